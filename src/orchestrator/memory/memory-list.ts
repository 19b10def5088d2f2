/**
 * The memory as this process keeps it: the entries in the order they were made, with a key →
 * position index and the search index carried from one version of the list to the next (an entry
 * never changes once made: a change makes a new list). Pure.
 */
import { carryIndex, normalizeKey } from './memory-search.js';
import type { MemoryEntry } from './types.js';

type List = readonly MemoryEntry[];

/** key → position, per version of the list. */
const indexes = new WeakMap<List, Map<string, number>>();

export function indexOf(entries: List): Map<string, number> {
  let index = indexes.get(entries);
  if (!index) {
    index = new Map(entries.map((e, i) => [normalizeKey(e.key), i]));
    indexes.set(entries, index);
  }
  return index;
}

/** `next` made from `current`: both indexes move over to it (when `index` is given, it is next's). */
function carried(
  current: List,
  next: MemoryEntry[],
  removed: MemoryEntry[],
  added: MemoryEntry[],
  index?: Map<string, number>,
): MemoryEntry[] {
  carryIndex(current, next, removed, added);
  indexes.delete(current);
  if (index) indexes.set(next, index);
  return next;
}

/** The list with `entry` in place of the one with its key, or added at the end. */
export function withEntry(current: List, entry: MemoryEntry): MemoryEntry[] {
  const norm = normalizeKey(entry.key);
  const index = indexOf(current);
  const at = index.get(norm);
  if (at === undefined) return carried(current, [...current, entry], [], [entry], index.set(norm, current.length));
  const next = current.slice();
  next[at] = entry;
  return carried(current, next, [current[at]!], [entry], index);
}

/** The list without the entry of this (normalised) key. */
export function withoutKey(current: List, norm: string): MemoryEntry[] {
  const at = indexOf(current).get(norm);
  return at === undefined
    ? current.slice()
    : carried(
        current,
        current.filter((_, i) => i !== at),
        [current[at]!],
        [],
      );
}

/** The list with uses added, by normalised key. */
export function withUses(current: List, uses: ReadonlyMap<string, number>): MemoryEntry[] {
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
  return carried(current, next, before, after, index);
}
