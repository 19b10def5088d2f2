/**
 * A JSON file under $OLLM_HOME that several ollm-mcp processes share (Claude Desktop and an IDE
 * may each run one). Every change is read-modify-write under a lock file (`<file>.lock`, created
 * exclusively, broken when older than 5 s) and written atomically (lowdb's JSONFile → steno:
 * write `.<name>.tmp`, then rename; the fixed temp name is safe because writers hold the lock).
 * A file that does not parse, or is not of the expected shape, is moved aside — never silently
 * emptied — and reported on stderr. lowdb is loaded on first use, off the start-up path.
 *
 * The last content read or written is kept with the file's identity (inode, size, mtime): while
 * no other process has replaced the file, a read costs one stat instead of a parse.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { log } from './log.js';

const LOCK_STALE_MS = 5_000;
const LOCK_WAIT_MS = 3_000;

interface RawFile {
  read(): Promise<unknown>;
  write(data: unknown): Promise<void>;
}

/** Takes `<lock>` (exclusive create), breaking one older than LOCK_STALE_MS; returns its release. */
async function acquireLock(lock: string, label: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const h = await open(lock, 'wx');
      await h
        .writeFile(`${process.pid} ${new Date().toISOString()}\n`)
        .catch(() => undefined)
        .finally(() => h.close());
      return () => rm(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > LOCK_STALE_MS) {
      log.warn(`${label}: breaking stale lock ${lock} (${Math.round(age / 1000)} s old)`);
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`lock ${lock} is held by another process`);
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 30));
  }
}

export interface SharedJsonFileOptions<T> {
  /** The content, or null when the shape is not ours (the file is then set aside). */
  parse(raw: unknown): T | null;
  empty(): T;
  /** What goes on disk (default: the value itself). */
  serialise?(value: T): unknown;
  /** Names the file in log lines, e.g. "metrics". */
  label: string;
  /** The file's text (default: JSON indented by two spaces). */
  stringify?(data: unknown): string;
  /** Told where an unreadable file was moved, so the owner can say so to the user. */
  onSetAside?(aside: string): void;
}

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

export class SharedJsonFile<T> {
  private raw?: Promise<RawFile>;
  private cache?: { id: string; value: T };

  constructor(
    readonly file: string,
    private readonly options: SharedJsonFileOptions<T>,
  ) {}

  /** Runs `fn` holding the file's lock (the folder is created if missing). */
  async locked<R>(fn: () => Promise<R>): Promise<R> {
    await mkdir(dirname(this.file), { recursive: true });
    const release = await acquireLock(`${this.file}.lock`, this.options.label);
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }

  /** Reads under the lock. */
  read(): Promise<T> {
    return this.locked(() => this.readUnlocked());
  }

  /**
   * The current content without taking the lock: writers replace the file by rename, so a reader
   * always sees a whole version. Treat the result as read-only — it is shared with later reads.
   */
  async snapshot(): Promise<T> {
    const id = await identity(this.file);
    if (id === null) return this.options.empty();
    if (this.cache?.id === id) return this.cache.value;
    const raw = await (await this.rawFile()).read().catch(() => undefined);
    const parsed = raw === undefined || raw === null ? null : this.options.parse(raw);
    if (parsed === null) return this.read(); // unreadable or gone: sort it out under the lock
    this.cache = { id, value: parsed };
    return parsed;
  }

  /** Read, change, write — under one lock, so no other process's change is lost. */
  update(change: (current: T) => T | Promise<T>): Promise<T> {
    return this.locked(async () => {
      try {
        const next = await change(await this.readUnlocked());
        await (await this.rawFile()).write(this.options.serialise ? this.options.serialise(next) : next);
        const id = await identity(this.file);
        this.cache = id === null ? undefined : { id, value: next };
        return next;
      } catch (e) {
        this.cache = undefined; // `change` may have altered the cached value before failing
        throw e;
      }
    });
  }

  private rawFile(): Promise<RawFile> {
    const stringify = this.options.stringify ?? ((data: unknown) => JSON.stringify(data, null, 2));
    this.raw ??= import('lowdb/node').then(({ DataFile }) => new DataFile<unknown>(this.file, { parse: JSON.parse, stringify }) as RawFile);
    this.raw.catch(() => {
      this.raw = undefined;
    });
    return this.raw;
  }

  /** Call with the lock held. Missing = empty; unreadable or foreign = moved aside, then empty. */
  private async readUnlocked(): Promise<T> {
    const id = await identity(this.file);
    if (id !== null && this.cache?.id === id) return this.cache.value;
    this.cache = undefined;
    const raw = await (await this.rawFile()).read().catch((e: unknown) => {
      if (e instanceof SyntaxError) return undefined;
      throw e;
    });
    if (raw === null) return this.options.empty(); // lowdb: no file yet
    const parsed = raw === undefined ? null : this.options.parse(raw);
    if (parsed) {
      if (id !== null) this.cache = { id, value: parsed };
      return parsed;
    }
    const aside = `${this.file}.corrupt-${Date.now()}`;
    await rename(this.file, aside);
    log.warn(`${this.options.label}: ${this.file} was unreadable; moved it to ${aside} and started empty`);
    this.options.onSetAside?.(aside);
    return this.options.empty();
  }
}
