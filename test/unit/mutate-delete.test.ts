/**
 * The deletion mutants `npm run mutate` adds to Stryker's (scripts/mutate-delete.mjs): which
 * edits are made, where each is placed, which are left to Stryker, and the keys that keep a
 * mutant's result while its statement is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { deletionMutants } from '../../scripts/mutate-delete.mjs';

const made = (source: string) =>
  deletionMutants(source, 'm.ts').map(
    (m) => `${m.mutatorName} ${m.location.start.line}:${m.location.start.column} ${m.replacement}`,
  );

describe('deletion mutants', () => {
  it("remove each element of a list of two or more, never of one (Stryker empties those), a table's rows whole", () => {
    const source =
      "const names = [real, asked].filter(ok);\nconst one = new Set(['a']);\nconst table = new " +
      "Map([['a', 1], ['b', 2]]);\nconst mixed = [[1, 2], 3];\n";
    expect(made(source)).toEqual([
      'ArrayElementDeletion 1:16 [asked]',
      'ArrayElementDeletion 1:22 [real]',
      "ArrayElementDeletion 3:24 [['b', 2]]",
      "ArrayElementDeletion 3:34 [['a', 1]]",
      'ArrayElementDeletion 4:16 [3]',
      'ArrayElementDeletion 4:24 [[1, 2]]', // not a table: one element is no row
      'ArrayElementDeletion 4:17 [2]',
      'ArrayElementDeletion 4:20 [1]',
    ]);
    const m = deletionMutants(source, 'm.ts')[0];
    expect(m?.mutated).toBe(source.replace('[real, asked]', '[asked]'));
  });

  it('remove each operand of an && or || chain, a parenthesised one as a chain of its own', () => {
    expect(made('if (a && b && (c || d)) go();\n')).toEqual([
      'OperandDeletion 1:5 b && (c || d)',
      'OperandDeletion 1:10 a && (c || d)',
      'OperandDeletion 1:15 a && b',
      'OperandDeletion 1:16 d',
      'OperandDeletion 1:21 c',
    ]);
  });

  it('remove an early return or a throw, not the answer at the end nor what Stryker deletes already', () => {
    const source = [
      'function f(x) {',
      '  if (x) return 1;', // the whole body of an if without else: Stryker's
      '  if (x > 1) { log(); return 2; }',
      '  if (x > 2) log(); else throw new Error();',
      '  try { return g(); } catch { return 3; }', // the end of the function's flow: its answer
      '}',
      'function h() { throw new Error(); }',
    ].join('\n');
    expect(made(source)).toEqual(['RefusalDeletion 3:23 {}', 'RefusalDeletion 4:26 {}', 'RefusalDeletion 7:16 {}']);
    expect(deletionMutants(source, 'm.ts')[0]?.mutated.split('\n')[2]).toBe('  if (x > 1) { log(); {} }');
  });

  it('keep a key while the statement holding the mutant is unchanged, and change it with that statement', () => {
    const keys = (source: string) => deletionMutants(source, 'm.ts').map((m) => m.key);
    const before = keys('const a = [1, 2];\nconst b = [3, 4];\n');
    expect(new Set(before).size).toBe(4);
    const after = keys('const a = [1, 2];\n\n// moved\nconst b = [3, 5];\n');
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2)); // moved, not changed
    expect(after.slice(2)).not.toContain(before[2]);
    expect(after.slice(2)).not.toContain(before[3]);
  });
});
