/**
 * Comparisons remembered for prefer_model (a winner chosen by comparisonId), kept in the state
 * database so an id still works after a restart and from another ollm-mcp process on the same
 * home (Claude Desktop and an IDE may each run one).
 *
 * One shared document (storage/shared-doc.ts): every change in one transaction, bounded to the
 * last KEEP_COMPARISONS comparisons, oldest dropped first. This process also keeps the ones it ran
 * in memory, so an id it handed out works here even when the database cannot be written.
 */
import { join } from 'node:path';
import { SharedDocument } from '../storage/shared-doc.js';
import { log } from '../util/log.js';
import { TASK_TYPES, type TaskType } from '../config/profiles.js';

export const KEEP_COMPARISONS = 100;
export const COMPARISONS_FILE = 'comparisons.json';

export interface ComparisonRecord {
  id: string;
  task: TaskType;
  /** Every model compared (the names the results carry), in order. */
  models: string[];
  /** When it finished (ISO time). */
  at: string;
}

/** Oldest first. */
type Table = readonly ComparisonRecord[];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asRecord(v: unknown): ComparisonRecord | undefined {
  if (!isObj(v)) return undefined;
  const { id, task, models, at } = v;
  if (typeof id !== 'string' || id === '' || typeof at !== 'string') return undefined;
  if (typeof task !== 'string' || !(TASK_TYPES as readonly string[]).includes(task)) return undefined;
  if (
    !Array.isArray(models) ||
    models.length === 0 ||
    !models.every((m): m is string => typeof m === 'string' && m !== '')
  )
    return undefined;
  return { id, task: task as TaskType, models: [...models], at };
}

/** The valid comparisons (the newest KEEP_COMPARISONS) and the entries that are not; null when the file is not ours. */
function parseComparisons(raw: unknown): { value: Table; rejected: unknown[] } | null {
  if (!isObj(raw) || !Array.isArray(raw.comparisons)) return null;
  const value: ComparisonRecord[] = [];
  const rejected: unknown[] = [];
  for (const v of raw.comparisons) {
    const record = asRecord(v);
    if (record) value.push(record);
    else rejected.push(v);
  }
  return { value: value.slice(-KEEP_COMPARISONS), rejected };
}

const serialise = (table: Table): unknown => ({ version: 1, comparisons: table });

/** `table` with `record` last (replacing an entry with its id), bounded to the newest KEEP_COMPARISONS. */
function withComparison(table: Table, record: ComparisonRecord): Table {
  return [...table.filter((r) => r.id !== record.id), record].slice(-KEEP_COMPARISONS);
}

export class Comparisons {
  /** One shared document per home (an orchestrator has one home; tests may build several). */
  private readonly files = new Map<string, SharedDocument<Table>>();
  /** The comparisons this process ran, newest last: found even when the file could not be written. */
  private readonly recent = new Map<string, ComparisonRecord>();

  /** The document for `home` (an earlier version's comparisons.json there is imported once). */
  fileFor(home: string): SharedDocument<Table> {
    let file = this.files.get(home);
    if (!file) {
      file = new SharedDocument<Table>(home, {
        name: 'comparisons',
        parse: parseComparisons,
        empty: () => [],
        serialise,
        count: (t) => t.length,
        legacyFile: join(home, COMPARISONS_FILE),
      });
      this.files.set(home, file);
    }
    return file;
  }

  /**
   * Keeps a comparison in memory and in the home's database. Never throws: when it cannot be
   * written, the id still works in this process, and the returned text says why it will not after
   * a restart.
   */
  async remember(home: string, record: ComparisonRecord): Promise<string | undefined> {
    this.recent.delete(record.id);
    this.recent.set(record.id, record);
    while (this.recent.size > KEEP_COMPARISONS) this.recent.delete(this.recent.keys().next().value!);
    try {
      await this.fileFor(home).update((current) => withComparison(current, record));
      return undefined;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      log.warn(`comparisons: cannot save comparison ${record.id}: ${why}`);
      return `The comparison could not be saved (${why}); its id works only while this server runs.`;
    }
  }

  /**
   * The comparison with this id: one this process ran, else one in the home's database (any process's, before
   * or after a restart).
   */
  async get(home: string, id: string): Promise<ComparisonRecord | undefined> {
    const mine = this.recent.get(id);
    if (mine) return mine;
    try {
      return (await this.fileFor(home).snapshot()).find((r) => r.id === id);
    } catch (err) {
      log.warn(
        `comparisons: cannot read the state database in ${home}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return undefined;
    }
  }
}
