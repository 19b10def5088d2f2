/**
 * The models made for a kind of work (create_model with `task`): which model, on which host, for
 * what, made from what and when — kept in the state database, shown by list_models and used by
 * routing for that work. A model deleted (delete_model) leaves it.
 */
import { SharedDocument } from '../storage/shared-doc.js';
import { log } from '../util/log.js';
import { TASK_TYPES, type TaskType } from '../config/profiles.js';
import { modelKey } from '../models/model-db.js';

export interface MadeForEntry {
  /** The model as the host lists it, e.g. "terse:latest". */
  model: string;
  /** The host it was made on (its name in settings, as list_models and ollm://fleet name it). */
  host: string;
  task: TaskType;
  /** The model it was made from. */
  from: string;
  /** When, ISO 8601. */
  at: string;
}

type Table = readonly MadeForEntry[];

/** At most this many entries are kept (the oldest go first); a home has far fewer made models. */
const MAX_ENTRIES = 500;
const MAX_NAME = 500;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME;

function valid(v: unknown): v is MadeForEntry {
  return (
    isObj(v) &&
    isName(v.model) &&
    isName(v.host) &&
    isName(v.from) &&
    typeof v.at === 'string' &&
    (TASK_TYPES as readonly unknown[]).includes(v.task)
  );
}

function parse(raw: unknown): { value: Table; rejected: unknown[] } | null {
  if (!isObj(raw) || !Array.isArray(raw.entries)) return null;
  const value: MadeForEntry[] = [];
  const rejected: unknown[] = [];
  for (const e of raw.entries) {
    if (valid(e)) value.push({ model: e.model, host: e.host, task: e.task, from: e.from, at: e.at });
    else rejected.push(e);
  }
  return { value: value.slice(-MAX_ENTRIES), rejected };
}

/** The same model on the same host (Ollama's name identity: tag and namespace filled in, any case). */
const same = (e: MadeForEntry, host: string, model: string) => e.host === host && modelKey(e.model) === modelKey(model);

export class MadeFor {
  private table: Table = [];
  private readonly doc: SharedDocument<Table>;

  constructor(home: string) {
    this.doc = new SharedDocument<Table>(home, {
      name: 'made-for',
      parse,
      empty: () => [],
      serialise: (entries) => ({ version: 1, entries }),
      count: (t) => t.length,
    });
  }

  async load(): Promise<void> {
    try {
      this.table = await this.doc.snapshot();
    } catch (err) {
      log.warn(`made-for: ${(err as Error).message}`);
    }
  }

  /** Records (or replaces) what a model on a host was made for. */
  async set(entry: MadeForEntry): Promise<void> {
    this.table = await this.doc.update((current) =>
      [...current.filter((e) => !same(e, entry.host, entry.model)), entry].slice(-MAX_ENTRIES),
    );
  }

  /** Forgets a model on a host (deleted, or made again without a task); nothing when it had no entry. */
  async remove(host: string, model: string): Promise<void> {
    if (!this.table.some((e) => same(e, host, model))) {
      await this.load();
      if (!this.table.some((e) => same(e, host, model))) return;
    }
    this.table = await this.doc.update((current) => current.filter((e) => !same(e, host, model)));
  }

  /** What a model on a host was made for, if anything. */
  of(host: string, model: string): MadeForEntry | undefined {
    return this.table.find((e) => same(e, host, model));
  }

  all(): readonly MadeForEntry[] {
    return this.table;
  }
}
