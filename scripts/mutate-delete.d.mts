// Types of mutate-delete.mjs, for the tests that import it.
export interface Place {
  line: number;
  column: number;
}
export interface DeletionMutant {
  /** Stays the same while the top-level statement it is in does. */
  key: string;
  mutatorName: 'ArrayElementDeletion' | 'OperandDeletion' | 'RefusalDeletion';
  /** The element, operand or statement removed (1-based, as Stryker reports). */
  location: { start: Place; end: Place };
  /** The node mutated, as it reads after. */
  replacement: string;
  /** The whole source with the mutant in it. */
  mutated: string;
  status?: 'Killed' | 'Timeout' | 'Survived';
}
export declare function deletionMutants(source: string, fileName: string): DeletionMutant[];
export declare function runDeletions(
  root: string,
  m: { name: string; file: string; tests: string[] },
  options?: { full?: boolean; concurrency?: number; log?: (line: string) => void },
): Promise<DeletionMutant[]>;
