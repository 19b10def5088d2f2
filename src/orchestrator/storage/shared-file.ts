/**
 * A JSON file under $OLLM_HOME that several ollm-mcp processes share (Claude Desktop and an IDE
 * may each run one): memory, metrics, preferences.
 *
 * - Changes are queued in the process and applied in batches: one lock, one read, every queued
 *   change in order, one write. Concurrent calls in one process never contend with each other.
 * - Across processes, each batch runs under the file's lock (lock.ts, proper-lockfile) and the new
 *   version replaces the file atomically (write-file-atomic: a unique temporary file per write,
 *   flushed to disk, then renamed). Before writing, the file must still be the version the batch
 *   read; if another writer got in (a lock taken over from a stalled process), the batch is
 *   applied again to what that writer left.
 * - A damaged file is salvaged, never discarded: a byte-order mark is skipped, text after the JSON
 *   is cut off, a syntax slip repaired, and entries that are not valid are dropped one by one;
 *   only the bad part goes to `<file>.corrupt-<time>`, and the owner is told how many entries were
 *   kept and set aside.
 * - The last content read or written is kept with the file's identity (inode, size, mtime):
 *   while no other process replaced the file, a read costs one stat.
 */
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { log } from '../util/log.js';
import { decodeJson } from './decode.js';
import { withLock } from './lock.js';

export interface SalvageReport {
  file: string;
  /** Entries kept in the file. */
  kept: number;
  /** Entries (or unreadable text) moved to `aside`. */
  setAside: number;
  aside: string;
  /** What was wrong, in words for the user. */
  problem: string;
}

export interface SharedJsonFileOptions<T> {
  /**
   * The valid content, with the entries that could not be used; null when the whole value is not
   * ours (the file is then moved aside as it is).
   */
  parse(raw: unknown): { value: T; rejected: unknown[] } | null;
  empty(): T;
  /** How many entries a value holds, for salvage reports. */
  count(value: T): number;
  /** What goes on disk (default: the value itself). */
  serialise?(value: T): unknown;
  /** The file's text (default: JSON indented by two spaces). */
  stringify?(data: unknown): string;
  /** Names the file in log lines, e.g. "metrics". */
  label: string;
  /** Told when a damaged file was salvaged, so the owner can say so to the user. */
  onSalvage?(report: SalvageReport): void;
}

/** The file cannot be used at all (a folder in its place, no permission); the message says what to do. */
export class StorageError extends Error {
  override name = 'StorageError';
}

type Change<T> = (current: T) => T | Promise<T>;
interface Job<T> {
  change: Change<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}
type Outcome<T> = { ok: true; value: T } | { ok: false; err: unknown };

/** Same inode, size and modification time: the file is the one we last read or wrote. */
async function identity(file: string): Promise<string | null> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

type WriteFileAtomic = typeof import('write-file-atomic');
let atomicWriter: Promise<WriteFileAtomic> | undefined;
/** Writes `text` to `file` atomically: a unique temporary file, flushed to disk, then renamed. */
export const writeAtomic = async (file: string, text: string): Promise<void> => {
  atomicWriter ??= import('write-file-atomic').then((m) => (m.default ?? m) as WriteFileAtomic);
  await (await atomicWriter)(file, text, { fsync: true });
};

export class SharedJsonFile<T> {
  private cache?: { id: string; value: T };
  private queue: Job<T>[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private settleIdle: () => void = () => {};

  constructor(
    readonly file: string,
    private readonly options: SharedJsonFileOptions<T>,
  ) {}

  /** Read, change, write — under the lock, batched with this process's other changes. `change` must not alter its argument. */
  update(change: Change<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ change, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** The current content, read under the lock (a damaged file is salvaged on the way). */
  read(): Promise<T> {
    return this.update((current) => current);
  }

  /**
   * The current content without taking the lock: writers replace the file by rename, so a reader
   * always sees a whole version. Treat the result as read-only — it is shared with later reads.
   */
  async snapshot(): Promise<T> {
    const id = await this.identity();
    if (id === null) return this.options.empty();
    if (this.cache?.id === id) return this.cache.value;
    const found = await this.decode();
    if (found === 'missing') return this.options.empty();
    if (found === null || found.damaged) return this.read(); // sort it out under the lock
    this.cache = { id, value: found.value };
    return found.value;
  }

  /** Resolves once every change queued so far is on disk (or has failed). */
  settled(): Promise<void> {
    return this.idle;
  }

  private async drain(): Promise<void> {
    this.running = true;
    this.idle = new Promise((r) => (this.settleIdle = r));
    try {
      while (this.queue.length > 0) await this.runBatch(this.queue.splice(0));
    } finally {
      this.running = false;
      this.settleIdle();
    }
  }

  private async runBatch(batch: Job<T>[]): Promise<void> {
    let outcomes: Outcome<T>[] = [];
    try {
      await mkdir(dirname(this.file), { recursive: true });
      for (let attempt = 1; ; attempt++) {
        const done = await withLock(this.file, this.options.label, async (held) => {
          const { value: start, id } = await this.readLocked();
          let current = start;
          outcomes = [];
          for (const job of batch) {
            try {
              current = await job.change(current);
              outcomes.push({ ok: true, value: current });
            } catch (err) {
              outcomes.push({ ok: false, err });
            }
          }
          if (current === start) return true;
          // Another writer replaced the file although we hold the lock (ours was taken over while
          // this process stalled): apply the batch again to what it wrote rather than overwrite it.
          if (!held() || (await this.identity()) !== id) return false;
          await this.writeValue(current);
          return true;
        });
        if (done) break;
        this.cache = undefined;
        if (attempt >= 3) throw new Error(`another process kept replacing ${this.file} while this one held its lock`);
        log.warn(`${this.options.label}: ${this.file} changed under the lock; applying the changes again`);
      }
    } catch (err) {
      this.cache = undefined;
      for (const job of batch) job.reject(err);
      return;
    }
    batch.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.err);
    });
  }

  private async writeValue(value: T): Promise<void> {
    const data = this.options.serialise ? this.options.serialise(value) : value;
    const text = this.options.stringify ? this.options.stringify(data) : `${JSON.stringify(data, null, 2)}\n`;
    try {
      await writeAtomic(this.file, text);
    } catch (e) {
      this.cache = undefined;
      throw this.explain(e);
    }
    const id = await this.identity();
    this.cache = id === null ? undefined : { id, value };
  }

  /** Call with the lock held. Missing = empty; damaged = salvaged and rewritten; not ours = moved aside whole. */
  private async readLocked(): Promise<{ value: T; id: string | null }> {
    const id = await this.identity();
    if (id === null) return { value: this.options.empty(), id };
    if (this.cache?.id === id) return { value: this.cache.value, id };
    this.cache = undefined;
    const found = await this.decode();
    if (found === 'missing') return { value: this.options.empty(), id: null };
    const aside = `${this.file}.corrupt-${Date.now()}`;
    if (found === null) {
      await rename(this.file, aside);
      this.report({ file: this.file, kept: 0, setAside: 1, aside, problem: 'it is not a file this version of ollm-mcp can read, so the whole file was moved' });
      return { value: this.options.empty(), id: null };
    }
    if (!found.damaged) {
      this.cache = { id, value: found.value };
      return { value: found.value, id };
    }
    const { rejected, badText, problem } = found.damaged;
    const record = { file: this.file, at: new Date().toISOString(), problem, ...(rejected.length > 0 && { entries: rejected }), ...(badText !== undefined && { text: badText }) };
    await writeAtomic(aside, `${JSON.stringify(record, null, 2)}\n`);
    await this.writeValue(found.value);
    this.report({ file: this.file, kept: this.options.count(found.value), setAside: rejected.length + (badText !== undefined ? 1 : 0), aside, problem });
    return { value: found.value, id: await this.identity() };
  }

  /** The file's content as ours, with what had to be left out; 'missing', or null when it is not ours at all. */
  private async decode(): Promise<'missing' | null | { value: T; damaged?: { rejected: unknown[]; badText?: string; problem: string } }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw this.explain(e);
    }
    const decoded = await decodeJson(text);
    const parsed = decoded === null ? null : this.options.parse(decoded.data);
    if (decoded === null || parsed === null) return null;
    const { value, rejected } = parsed;
    if (rejected.length === 0 && decoded.badText === undefined) return { value };
    const problems = [...(decoded.problem ? [decoded.problem] : []), ...(rejected.length ? [`${rejected.length} ${rejected.length === 1 ? 'entry' : 'entries'} not valid`] : [])];
    return { value, damaged: { rejected, ...(decoded.badText !== undefined && { badText: decoded.badText }), problem: problems.join(' and ') } };
  }

  private report(r: SalvageReport): void {
    log.warn(`${this.options.label}: ${r.file} was damaged (${r.problem}); kept ${r.kept} entries, set ${r.setAside} aside in ${r.aside}`);
    this.options.onSalvage?.(r);
  }

  private identity(): Promise<string | null> {
    return identity(this.file).catch((e: unknown) => {
      throw this.explain(e);
    });
  }

  /** File-system failures in words that say what to do. */
  private explain(e: unknown): Error {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return new StorageError(`${this.file} is a folder, but ollm-mcp keeps its ${this.options.label} in a file of that name. Move the folder away or rename it, then try again.`);
    if (code === 'EACCES' || code === 'EPERM') return new StorageError(`${this.file} cannot be read or written (permission denied). Give this user access to it and its folder, or set OLLM_HOME to a folder it owns.`);
    if (code === 'ENOSPC') return new StorageError(`The disk holding ${this.file} is full. Free some space, then try again.`);
    return e instanceof Error ? e : new Error(String(e));
  }
}
