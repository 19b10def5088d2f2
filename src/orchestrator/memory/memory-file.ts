/**
 * Memory as JSON — the memory.json of earlier versions (imported once), and the files of
 * `ollm-mcp memory export` / `import`: what each entry must hold to be used (a bad one is left
 * out alone), and how the JSON is written (one entry per line, each serialised once).
 */
import { MEMORY_CATEGORIES, MEMORY_SOURCES, type MemoryEntry } from './types.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function oneOf<T extends string>(list: readonly T[], v: unknown, fallback: T): T {
  return list.includes(v as T) ? (v as T) : fallback;
}

/** One entry of the file, or null when it cannot be used (it is then set aside, not lost). */
function parseEntry(e: unknown): MemoryEntry | null {
  if (
    !isObj(e) ||
    typeof e.key !== 'string' ||
    typeof e.value !== 'string' ||
    e.key.trim() === '' ||
    e.value.trim() === ''
  )
    return null;
  const createdAt = text(e.createdAt) ?? new Date(0).toISOString();
  return {
    key: e.key,
    value: e.value,
    category: oneOf(MEMORY_CATEGORIES, e.category, 'fact'),
    source: oneOf(MEMORY_SOURCES, e.source, 'user'),
    createdAt,
    updatedAt: text(e.updatedAt) ?? createdAt,
    accessCount: typeof e.accessCount === 'number' && e.accessCount >= 0 ? Math.floor(e.accessCount) : 0,
  };
}

/** The file's valid entries and the ones that are not; null when it is not a memory file at all. */
export function parse(raw: unknown): { value: MemoryEntry[]; rejected: unknown[] } | null {
  if (!isObj(raw) || !Array.isArray(raw.entries)) return null;
  const value: MemoryEntry[] = [];
  const rejected: unknown[] = [];
  for (const e of raw.entries) {
    const entry = parseEntry(e);
    if (entry) value.push(entry);
    else rejected.push(e);
  }
  return { value, rejected };
}

/** Entries never change once made (a change makes a new one), so each is serialised once. */
const lines = new WeakMap<MemoryEntry, string>();
function lineOf(e: MemoryEntry): string {
  let line = lines.get(e);
  if (line === undefined) {
    line = JSON.stringify(e);
    lines.set(e, line);
  }
  return line;
}

/** One entry per line: small, and still readable and diffable by hand. */
export function stringify(data: unknown): string {
  const { entries } = data as { entries: MemoryEntry[] };
  return `{"version":1,"entries":[${entries.length ? '\n' : ''}${entries.map(lineOf).join(',\n')}\n]}\n`;
}
