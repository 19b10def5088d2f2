/**
 * Remembered facts, preferences and context, kept across sessions in $OLLM_HOME/memory.json and
 * shared safely by every ollm-mcp process using that folder: each change is a read-merge-write
 * under the file's lock, written atomically. How often an entry is used is counted in memory and
 * added to the file a moment later, so reading never waits for a write.
 */
import { parse, salvageNotice, stringify } from './memory-file.js';
import { SharedJsonFile, StorageError, writeAtomic } from '../storage/shared-file.js';
import { LockBusyError } from '../storage/lock.js';
import { log } from '../util/log.js';
import type { MemoryProvider } from './memory-hook.js';
import {
  carryIndex,
  newerFirst,
  normalizeKey,
  promptAddition,
  rankEntries,
  type MemoryCategory,
  type MemoryEntry,
  type MemorySource,
} from './memory-search.js';

export const MAX_KEY_CHARS = 200;

export interface MemoryLimits {
  maxEntries: number;
  maxValueChars: number;
}

/** A refusal whose message is complete for the user (bad key, limits, lock). */
export class MemoryError extends Error {
  override name = 'MemoryError';
}

export type FoundEntry = MemoryEntry & { score: number };

/** key → position, per version of the list (kept in step by our own writes). */
const indexes = new WeakMap<readonly MemoryEntry[], Map<string, number>>();
function indexOf(entries: readonly MemoryEntry[]): Map<string, number> {
  let index = indexes.get(entries);
  if (!index) {
    index = new Map(entries.map((e, i) => [normalizeKey(e.key), i]));
    indexes.set(entries, index);
  }
  return index;
}

export class MemoryStore implements MemoryProvider {
  private readonly file: SharedJsonFile<MemoryEntry[]>;
  /** Uses not yet added to the file, by normalised key; and those being written right now. */
  private pendingUses = new Map<string, number>();
  private writingUses = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private notice?: string;
  /** Where the bad part of a damaged memory file was moved, when that happened in this process. */
  setAside?: string;

  constructor(
    readonly path: string,
    private readonly limits: MemoryLimits,
    private readonly flushDelayMs = 2000,
  ) {
    this.file = new SharedJsonFile<MemoryEntry[]>(path, {
      parse,
      empty: () => [],
      serialise: (entries) => ({ version: 1, entries }),
      stringify,
      label: 'memory',
      count: (entries) => entries.length,
      onSalvage: (r) => {
        this.setAside = r.aside;
        this.notice = salvageNotice(r);
      },
    });
  }

  /** A one-time note for the user (an unreadable file set aside), or undefined. */
  takeNotice(): string | undefined {
    const n = this.notice;
    this.notice = undefined;
    return n;
  }

  /** Creates or updates the entry for `key` (matched ignoring case and spacing). */
  async remember(key: string, value: string, options: { category?: MemoryCategory; source?: MemorySource } = {}): Promise<{ entry: MemoryEntry; action: 'created' | 'updated' }> {
    const k = key.trim().replace(/\s+/g, ' ');
    const v = value.trim();
    if (k === '') throw new MemoryError('The key is empty: give a short name for the fact, like "preferred language".');
    if (k.length > MAX_KEY_CHARS) throw new MemoryError(`The key is ${k.length} characters; keys are at most ${MAX_KEY_CHARS}. Use a short name and put the detail in the value.`);
    if (v === '') throw new MemoryError(`The value for "${k}" is empty: to remove a memory use forget.`);
    if (v.length > this.limits.maxValueChars) {
      throw new MemoryError(`The value for "${k}" is ${v.length} characters; the limit is ${this.limits.maxValueChars} (memory.maxValueChars). Store a shorter summary.`);
    }
    const norm = normalizeKey(k);
    let result!: { entry: MemoryEntry; action: 'created' | 'updated' };
    await this.write(async (current) => {
      const index = indexOf(current);
      const at = index.get(norm);
      const now = new Date().toISOString();
      const next = current.slice();
      if (at !== undefined) {
        const old = current[at]!;
        const entry: MemoryEntry = { ...old, key: k, value: v, category: options.category ?? old.category, source: options.source ?? old.source, updatedAt: now };
        next[at] = entry;
        carryIndex(current, next, [old], [entry]);
        result = { entry, action: 'updated' };
      } else {
        if (current.length >= this.limits.maxEntries) {
          throw new MemoryError(`Memory is full: ${current.length} entries (memory.maxEntries). Forget entries that no longer matter, or raise the limit.`);
        }
        const entry: MemoryEntry = { key: k, value: v, category: options.category ?? 'fact', source: options.source ?? 'user', createdAt: now, updatedAt: now, accessCount: 0 };
        next.push(entry);
        index.set(norm, next.length - 1);
        carryIndex(current, next, [], [entry]);
        result = { entry, action: 'created' };
      }
      indexes.delete(current);
      indexes.set(next, index);
      return next;
    });
    return { ...result, entry: this.withUses(result.entry) };
  }

  /** The entry for `key`, counted as a use; undefined when there is none. */
  async recall(key: string): Promise<MemoryEntry | undefined> {
    const entries = await this.entries();
    const at = indexOf(entries).get(normalizeKey(key));
    if (at === undefined) return undefined;
    const entry = entries[at]!;
    this.used([entry]);
    return this.withUses(entry);
  }

  /** Entries matching the query, most relevant first (then newest, then most used); each counted as a use. */
  async search(query: string, options: { category?: MemoryCategory; limit?: number } = {}): Promise<FoundEntry[]> {
    let entries: readonly MemoryEntry[] = await this.entries();
    if (options.category) entries = entries.filter((e) => e.category === options.category);
    const found = rankEntries(entries, query, options.limit ?? 10);
    this.used(found.map((f) => f.entry));
    return found.map((f) => ({ ...this.withUses(f.entry), score: f.score }));
  }

  /** Every entry (or one category's), newest first. */
  async list(options: { category?: MemoryCategory } = {}): Promise<MemoryEntry[]> {
    const entries = await this.entries();
    // reversed first, so entries written in the same millisecond still list the later one first
    return entries.filter((e) => !options.category || e.category === options.category).reverse().map((e) => this.withUses(e)).sort(newerFirst);
  }

  async count(): Promise<number> {
    return (await this.entries()).length;
  }

  /** Removes the entry for `key`; returns it, or undefined when there was none. */
  async forget(key: string): Promise<MemoryEntry | undefined> {
    const norm = normalizeKey(key);
    if (indexOf(await this.entries()).get(norm) === undefined) return undefined;
    let removed: MemoryEntry | undefined;
    await this.write((current) => {
      const at = indexOf(current).get(norm);
      if (at === undefined) return current;
      removed = current[at]!;
      const next = current.filter((_, i) => i !== at);
      carryIndex(current, next, [removed], []);
      return next;
    });
    this.pendingUses.delete(norm);
    return removed;
  }

  /** Removes every entry; the previous file is kept as `memory.json.bak`. */
  async clear(): Promise<{ removed: number; backup?: string }> {
    let removed = 0;
    const backup = `${this.path}.bak`;
    await this.write(async (current) => {
      removed = current.length;
      if (removed > 0) await writeAtomic(backup, stringify({ entries: current }));
      return [];
    });
    this.pendingUses.clear();
    return removed > 0 ? { removed, backup } : { removed };
  }

  /** The memories for a prompt, as system-prompt text within the budget; the ones used are counted. */
  async systemPromptAddition(prompt: string, budgetTokens: number): Promise<string> {
    const { text: addition, used } = promptAddition(await this.entries(), prompt, budgetTokens);
    this.used(used);
    return addition;
  }

  /** Adds the counted uses to the file. Failures are logged; the counts wait for the next flush. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeUses());
    return this.flushing;
  }

  private async writeUses(): Promise<void> {
    if (this.pendingUses.size === 0) return;
    const uses = (this.writingUses = this.pendingUses);
    this.pendingUses = new Map();
    try {
      await this.file.update((current) => {
        const index = indexOf(current);
        const next = current.slice();
        const before: MemoryEntry[] = [];
        const after: MemoryEntry[] = [];
        for (const [norm, n] of uses) {
          const at = index.get(norm);
          if (at === undefined) continue;
          before.push(next[at]!);
          next[at] = { ...next[at]!, accessCount: next[at]!.accessCount + n };
          after.push(next[at]!);
        }
        carryIndex(current, next, before, after);
        indexes.delete(current); // each index belongs to one list, so changing it never misleads another
        indexes.set(next, index);
        return next;
      });
    } catch (e) {
      for (const [norm, n] of uses) this.pendingUses.set(norm, (this.pendingUses.get(norm) ?? 0) + n);
      log.warn(`memory: cannot record uses in ${this.path} (will retry): ${(e as Error).message}`);
    } finally {
      this.writingUses = new Map();
    }
  }

  /** Resolves once every change made so far is written (for a clean stop). */
  async settled(): Promise<void> {
    await this.file.settled();
    await this.flushing;
  }

  private entries(): Promise<readonly MemoryEntry[]> {
    return this.file.snapshot().catch((e: unknown) => {
      if (e instanceof StorageError) throw new MemoryError(e.message);
      throw new MemoryError(`Cannot read the memory file ${this.path}: ${(e as Error).message}`);
    });
  }

  private async write(change: (current: MemoryEntry[]) => MemoryEntry[] | Promise<MemoryEntry[]>): Promise<void> {
    try {
      await this.file.update(change);
    } catch (e) {
      if (e instanceof MemoryError) throw e;
      if (e instanceof StorageError || e instanceof LockBusyError) throw new MemoryError(`${e.message} Nothing was changed.`);
      throw new MemoryError(`Cannot write the memory file ${this.path}: ${(e as Error).message}. Nothing was changed; try again.`);
    }
  }

  private used(entries: readonly MemoryEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) {
      const norm = normalizeKey(e.key);
      this.pendingUses.set(norm, (this.pendingUses.get(norm) ?? 0) + 1);
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushDelayMs);
      this.timer.unref();
    }
  }

  private withUses(e: MemoryEntry): MemoryEntry {
    const norm = normalizeKey(e.key);
    const n = (this.pendingUses.get(norm) ?? 0) + (this.writingUses.get(norm) ?? 0);
    return n ? { ...e, accessCount: e.accessCount + n } : e;
  }
}
