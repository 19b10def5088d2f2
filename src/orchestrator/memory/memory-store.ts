/**
 * Remembered facts, preferences and context, kept across sessions in the state database
 * ($OLLM_HOME/state.db, storage/db.ts) and shared safely by every ollm-mcp process using that
 * home: each change is one transaction, committed before the caller hears back. The entries are
 * kept in memory too, with their search index, and read again only when another process changed
 * the table (SQLite's data_version says so; memory-list.ts, memory-db.ts). How often an entry is
 * used is counted in memory and added a moment later, so reading never waits for a write
 * (memory-uses.ts). A memory.json of an earlier version is imported on first use and kept as a
 * backup.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storageError } from '../storage/db.js';
import { stringify, parse } from './memory-file.js';
import { MemoryDb, MemoryError } from './memory-db.js';
import type { MemoryProvider } from './memory-hook.js';
import { indexOf, withEntry, withoutKey, withUses } from './memory-list.js';
import {
  newerFirst,
  normalizeKey,
  promptAddition,
  rankEntries,
  type MemoryCategory,
  type MemoryEntry,
  type MemoryEntrySource,
} from './memory-search.js';
import { UseCounter } from './memory-uses.js';
import { addUses, countEntries, deleteAll, deleteEntry, entryFor, mergeEntry, putEntry } from './memory-table.js';

const MAX_KEY_CHARS = 200;

export interface MemoryLimits {
  maxEntries: number;
  maxValueChars: number;
}

export type FoundEntry = MemoryEntry & { score: number };

export class MemoryStore extends MemoryDb implements MemoryProvider {
  private readonly uses: UseCounter;

  constructor(
    home: string,
    private readonly limits: MemoryLimits,
    options: { legacyFile?: string; flushDelayMs?: number } = {},
  ) {
    super(home, options.legacyFile);
    const writeUses = (uses: ReadonlyMap<string, number>) =>
      this.change((db) => {
        for (const [norm, n] of uses) addUses(db, norm, n);
        return { value: undefined, apply: (current) => withUses(current, uses) };
      });
    this.uses = new UseCounter(writeUses, options.flushDelayMs ?? 2000, this.path);
  }

  /** Creates or updates the entry for `key` (matched ignoring case and spacing). */
  async remember(
    key: string,
    value: string,
    options: { category?: MemoryCategory; source?: MemoryEntrySource } = {},
  ): Promise<{ entry: MemoryEntry; action: 'created' | 'updated' }> {
    const k = key.trim().replace(/\s+/g, ' ');
    const v = value.trim();
    if (k === '') throw new MemoryError('The key is empty: give a short name for the fact, like "preferred language".');
    if (k.length > MAX_KEY_CHARS)
      throw new MemoryError(
        `The key is ${k.length} characters; keys are at most ${MAX_KEY_CHARS}. Use a short name and ` +
          `put the detail in the value.`,
      );
    if (v === '') throw new MemoryError(`The value for "${k}" is empty: to remove a memory use forget.`);
    if (v.length > this.limits.maxValueChars) {
      throw new MemoryError(
        `The value for "${k}" is ${v.length} characters; the limit is ${this.limits.maxValueChars} ` +
          `(memory.maxValueChars). Store a shorter summary.`,
      );
    }
    const norm = normalizeKey(k);
    const result = await this.change((db) => {
      const old = entryFor(db, norm);
      const now = new Date().toISOString();
      if (!old) {
        const count = countEntries(db);
        if (count >= this.limits.maxEntries)
          throw new MemoryError(
            `Memory is full: ${count} entries (memory.maxEntries). Forget entries that no longer ` +
              `matter, or raise the limit.`,
          );
      }
      const entry: MemoryEntry = old
        ? {
            ...old,
            key: k,
            value: v,
            category: options.category ?? old.category,
            source: options.source ?? old.source,
            updatedAt: now,
          }
        : {
            key: k,
            value: v,
            category: options.category ?? 'fact',
            source: options.source ?? 'user',
            createdAt: now,
            updatedAt: now,
            accessCount: 0,
          };
      putEntry(db, entry);
      const apply = (current: readonly MemoryEntry[]) => withEntry(current, entry);
      return { value: { entry, action: old ? ('updated' as const) : ('created' as const) }, apply };
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
    return entries
      .filter((e) => !options.category || e.category === options.category)
      .reverse()
      .map((e) => this.withUses(e))
      .sort(newerFirst);
  }

  async count(): Promise<number> {
    return (await this.entries()).length;
  }

  /** Removes the entry for `key`; returns it, or undefined when there was none. */
  async forget(key: string): Promise<MemoryEntry | undefined> {
    const norm = normalizeKey(key);
    const removed = await this.change((db) => {
      const old = entryFor(db, norm);
      if (old) deleteEntry(db, norm);
      return { value: old, apply: (current) => withoutKey(current, norm) };
    });
    this.uses.drop(norm);
    return removed;
  }

  /** Removes every entry; they are first written to a JSON file in $OLLM_HOME, which is returned as `backup`. */
  async clear(): Promise<{ removed: number; backup?: string }> {
    const current = await this.entries();
    if (current.length === 0) return { removed: 0 };
    const backup = join(this.home, `memory-cleared-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    try {
      await writeFile(backup, stringify({ entries: current }), { flag: 'wx' });
    } catch (e) {
      throw new MemoryError(`${storageError(e, backup, 'keep a copy of the memory').message} Nothing was forgotten.`);
    }
    const removed = await this.change((db) => ({ value: deleteAll(db), apply: () => [] }));
    this.uses.drop();
    return { removed, backup };
  }

  /** Every entry as JSON people can read and edit (`ollm-mcp memory export`). */
  async exportAll(): Promise<string> {
    return stringify({ entries: await this.entries() });
  }

  /**
   * Adds the entries of an exported file: a key already remembered takes the imported value only
   * when it is newer. All or nothing: when the result would pass memory.maxEntries, nothing is added.
   * An entry whose value is longer than memory.maxValueChars is left out and counted (`tooLong`), as
   * `remember` would refuse it.
   */
  async importAll(
    raw: unknown,
  ): Promise<{ added: number; updated: number; unchanged: number; rejected: number; tooLong: number }> {
    const parsed = parse(raw);
    if (!parsed)
      throw new MemoryError(
        'This is not a memory export: it must be an object with an "entries" list, as `ollm-mcp memory export` writes.',
      );
    const fitting = parsed.value.filter((e) => e.value.length <= this.limits.maxValueChars);
    const counts = {
      added: 0,
      updated: 0,
      unchanged: 0,
      rejected: parsed.rejected.length,
      tooLong: parsed.value.length - fitting.length,
    };
    await this.change((db) => {
      for (const e of fitting) counts[mergeEntry(db, e, 'table')]++;
      const n = countEntries(db);
      if (n > this.limits.maxEntries)
        throw new MemoryError(
          `Importing would make ${n} entries; the limit is ${this.limits.maxEntries} ` +
            `(memory.maxEntries). Nothing was imported: raise the limit or import fewer entries.`,
        );
      return { value: undefined };
    });
    return counts;
  }

  /** The memories for a prompt, as text within the budget (sent after it); the ones used are counted. */
  async factsFor(prompt: string, budgetTokens: number): Promise<string> {
    const { text: addition, used } = promptAddition(await this.entries(), prompt, budgetTokens);
    this.used(used);
    return addition;
  }

  /** Adds the counted uses to the database. Failures are logged; the counts wait for the next flush. */
  flush(): Promise<void> {
    return this.uses.flush();
  }

  /** Resolves once every use counted so far is written (for a clean stop); changes are written before they resolve. */
  settled(): Promise<void> {
    return this.uses.settled();
  }

  private used(entries: readonly MemoryEntry[]): void {
    this.uses.count(entries.map((e) => normalizeKey(e.key)));
  }

  private withUses(e: MemoryEntry): MemoryEntry {
    const n = this.uses.unwritten(normalizeKey(e.key));
    return n ? { ...e, accessCount: e.accessCount + n } : e;
  }
}
