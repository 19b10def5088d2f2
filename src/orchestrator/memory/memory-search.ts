/**
 * Finding remembered facts, pure: rank entries by relevance to a query (words of the key count
 * twice those of the value, rarer words more), then by recency and use; and choose what joins a
 * prompt within a token budget.
 */
import { estimateTokens } from '../generation/classify.js';
import { MemoryIndex } from './memory-index.js';
import type { MemoryEntry } from './types.js';

export {
  MEMORY_CATEGORIES,
  MEMORY_SOURCES,
  type MemoryCategory,
  type MemoryEntry,
  type MemoryEntrySource,
} from './types.js';

export interface ScoredEntry {
  entry: MemoryEntry;
  score: number;
}

const STOPWORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have how i if in into ' +
    'is it its me my of on or our please so ' +
    'than that the their them then there these they this to was we were what when where which ' +
    'who why will with would you your'
  ).split(' '),
);

/** Lower-cased words without stopwords; a plural's final "s" dropped so "languages" meets "language". */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 2 && !/\d/.test(raw)) continue;
    if (STOPWORDS.has(raw)) continue;
    out.push(raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw);
  }
  return out;
}

/** The same key however it is spaced or capitalised. */
export function normalizeKey(key: string): string {
  return key.trim().replace(/\s+/g, ' ').toLowerCase();
}

const indexes = new WeakMap<readonly MemoryEntry[], MemoryIndex>();
const normKeys = new WeakMap<MemoryEntry, string>();
function normOf(e: MemoryEntry): string {
  let n = normKeys.get(e);
  if (n === undefined) {
    n = normalizeKey(e.key);
    normKeys.set(e, n);
  }
  return n;
}

function indexFor(entries: readonly MemoryEntry[]): MemoryIndex {
  let index = indexes.get(entries);
  if (!index) {
    index = MemoryIndex.build(entries, words);
    indexes.set(entries, index);
  }
  return index;
}

/**
 * Carries the word index of one version of the list to the next, which differs by `removed` and
 * `added` — so this process's own changes never cost a rebuild.
 */
export function carryIndex(
  from: readonly MemoryEntry[],
  to: readonly MemoryEntry[],
  removed: readonly MemoryEntry[],
  added: readonly MemoryEntry[],
): void {
  const index = indexes.get(from);
  if (!index) return;
  indexes.delete(from);
  for (const e of removed) index.remove(e);
  for (const e of added) index.add(e);
  indexes.set(to, index);
}

/** Beyond this many words a query is a prompt rather than a search. */
const LONG_QUERY_WORDS = 4;

/** At most this many distinct query words are looked for (a long prompt keeps its longest). */
const MAX_QUERY_WORDS = 48;

function queryWords(query: string): string[] {
  const unique = [...new Set(words(query))];
  return unique.length <= MAX_QUERY_WORDS
    ? unique
    : unique.sort((a, b) => b.length - a.length).slice(0, MAX_QUERY_WORDS);
}

export function newerFirst(a: MemoryEntry, b: MemoryEntry): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1; // ISO times order as text
  return b.accessCount - a.accessCount;
}

function better(a: ScoredEntry, b: ScoredEntry): number {
  return b.score - a.score || newerFirst(a.entry, b.entry);
}

/** The best `limit` of `items` in order, without sorting them all. */
function top(items: ScoredEntry[], limit: number): ScoredEntry[] {
  if (items.length <= limit * 4) return items.sort(better).slice(0, limit);
  const best: ScoredEntry[] = [];
  for (const item of items) {
    if (best.length === limit && better(item, best[limit - 1]!) >= 0) continue;
    let i = best.length < limit ? best.length : limit - 1;
    while (i > 0 && better(item, best[i - 1]!) < 0) i--;
    best.splice(i, 0, item);
    if (best.length > limit) best.pop();
  }
  return best;
}

/**
 * Entries that match the query at all, best first (relevance, then recency, then use); the best
 * `limit` when given. A query word also finds longer words it begins (prefer → preferences), for
 * less; `prefix: false` turns that off (long prompts, where whole words are enough).
 */
export function rankEntries(
  entries: readonly MemoryEntry[],
  query: string,
  limit?: number,
  options: { prefix?: boolean } = {},
): ScoredEntry[] {
  const terms = queryWords(query);
  if (terms.length === 0 || entries.length === 0) return [];
  const index = indexFor(entries);
  const scores = new Map<MemoryEntry, number>();
  // In a long text (a prompt), a word found in most entries says little about any of them: skipped.
  const informative =
    terms.length > LONG_QUERY_WORDS ? terms.filter((t) => index.frequency(t) <= entries.length / 2) : terms;
  for (const term of informative.length ? informative : terms) {
    const hits = index.lookup(term, options.prefix !== false && term.length >= 3);
    const matched = new Set([...hits.key.keys(), ...hits.value.keys()]);
    const idf = Math.log(1 + entries.length / Math.max(1, matched.size));
    for (const e of matched)
      scores.set(e, (scores.get(e) ?? 0) + idf * (2 * (hits.key.get(e) ?? 0) + (hits.value.get(e) ?? 0)));
  }
  const whole = normalizeKey(query);
  const scored: ScoredEntry[] = [];
  for (const [entry, raw] of scores) {
    const score = raw + (normOf(entry) === whole ? 10 : 0); // the query is the key itself
    scored.push({ entry, score: Math.round(score * 1000) / 1000 });
  }
  // Entries come in file order (oldest first); reversed, a full tie goes to the one written last.
  scored.reverse();
  return limit === undefined ? scored.sort(better) : top(scored, limit);
}

/** Entries considered for one prompt: far more than any budget holds, few enough to stay quick. */
const MAX_PROMPT_CANDIDATES = 400;

export const PROMPT_HEADER = 'Remembered from earlier sessions (use when relevant):';

function promptLine(e: MemoryEntry): string {
  return `- ${e.key}: ${e.value.replace(/\s*\n\s*/g, ' ')}`;
}

/**
 * What follows the prompt: entries relevant to the prompt first, then preferences (they
 * apply to any answer), then the rest by recency — each line only while the whole stays within
 * `budgetTokens`. Returns the text ('' when nothing fits) and the entries used.
 */
export function promptAddition(
  entries: readonly MemoryEntry[],
  prompt: string,
  budgetTokens: number,
): { text: string; used: MemoryEntry[] } {
  if (budgetTokens <= 0 || entries.length === 0) return { text: '', used: [] };
  let left = budgetTokens - estimateTokens(PROMPT_HEADER) - 1;
  if (left <= 0) return { text: '', used: [] };
  const relevant = rankEntries(entries, prompt, MAX_PROMPT_CANDIDATES, { prefix: false }).map((s) => s.entry);
  const chosen = new Set(relevant);
  const rest = entries
    .filter((e) => !chosen.has(e))
    .sort((a, b) => Number(b.category === 'preference') - Number(a.category === 'preference') || newerFirst(a, b));
  const used: MemoryEntry[] = [];
  const lines: string[] = [];
  for (const e of [...relevant, ...rest].slice(0, MAX_PROMPT_CANDIDATES)) {
    const line = promptLine(e);
    const cost = estimateTokens(line) + 1;
    if (cost > left) continue;
    left -= cost;
    lines.push(line);
    used.push(e);
    if (left < 8) break;
  }
  return lines.length ? { text: `${PROMPT_HEADER}\n${lines.join('\n')}`, used } : { text: '', used: [] };
}
