/**
 * Finding remembered facts, pure: rank entries by relevance to a query (words of the key count
 * twice those of the value, rarer words more), then by recency and use; and choose what joins a
 * prompt within a token budget.
 */
import { estimateTokens } from './classify.js';

export const MEMORY_CATEGORIES = ['fact', 'preference', 'context'] as const;
export type MemoryCategory = (typeof MEMORY_CATEGORIES)[number];
export const MEMORY_SOURCES = ['user', 'llm', 'system'] as const;
export type MemorySource = (typeof MEMORY_SOURCES)[number];

export interface MemoryEntry {
  key: string;
  value: string;
  category: MemoryCategory;
  source: MemorySource;
  createdAt: string;
  updatedAt: string;
  accessCount: number;
}

export interface ScoredEntry {
  entry: MemoryEntry;
  score: number;
}

const STOPWORDS = new Set(
  ('a an and are as at be but by can could did do does for from had has have how i if in into is it its me my of on or our please so ' +
    'than that the their them then there these they this to was we were what when where which who why will with would you your')
    .split(' '),
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

/** Each entry's words as " w1 w2 … " strings, so a word or prefix test is one `includes`. */
interface Haystack {
  key: string;
  value: string;
}
const haystacks = new WeakMap<MemoryEntry, Haystack>();
function haystackOf(e: MemoryEntry): Haystack {
  let h = haystacks.get(e);
  if (!h) {
    h = { key: ` ${words(e.key).join(' ')} `, value: ` ${words(e.value).join(' ')} ` };
    haystacks.set(e, h);
  }
  return h;
}

/** At most this many distinct query words are looked for (a long prompt keeps its longest). */
const MAX_QUERY_WORDS = 48;

function queryWords(query: string): string[] {
  const unique = [...new Set(words(query))];
  return unique.length <= MAX_QUERY_WORDS ? unique : unique.sort((a, b) => b.length - a.length).slice(0, MAX_QUERY_WORDS);
}

/** A whole word counts 1, a word the query word begins (at least 3 letters) 0.6. */
function matchIn(hay: string, word: string): number {
  if (hay.includes(` ${word} `)) return 1;
  return word.length >= 3 && hay.includes(` ${word}`) ? 0.6 : 0;
}

export function newerFirst(a: MemoryEntry, b: MemoryEntry): number {
  return b.updatedAt.localeCompare(a.updatedAt) || b.accessCount - a.accessCount;
}

/** Entries that match the query at all, best first: relevance, then recency, then use. */
export function rankEntries(entries: readonly MemoryEntry[], query: string): ScoredEntry[] {
  const terms = queryWords(query);
  if (terms.length === 0) return [];
  const whole = normalizeKey(query);
  const hits: Array<{ entry: MemoryEntry; matches: number[] }> = [];
  const df = new Array<number>(terms.length).fill(0);
  for (const entry of entries) {
    const h = haystackOf(entry);
    let matches: number[] | undefined;
    for (let i = 0; i < terms.length; i++) {
      const m = 2 * matchIn(h.key, terms[i]!) + matchIn(h.value, terms[i]!);
      if (m === 0) continue;
      matches ??= new Array<number>(terms.length).fill(0);
      matches[i] = m;
      df[i]!++;
    }
    if (matches) hits.push({ entry, matches });
  }
  const n = entries.length;
  const idf = df.map((d) => Math.log(1 + n / Math.max(1, d)));
  const scored = hits.map(({ entry, matches }) => {
    let score = 0;
    for (let i = 0; i < terms.length; i++) score += matches[i]! * idf[i]!;
    if (normalizeKey(entry.key) === whole) score += 10; // the query is the key itself
    return { entry, score: Math.round(score * 1000) / 1000 };
  });
  return scored.sort((a, b) => b.score - a.score || newerFirst(a.entry, b.entry));
}

/** Entries considered for one prompt: far more than any budget holds, few enough to stay quick. */
const MAX_PROMPT_CANDIDATES = 400;

export const PROMPT_HEADER = 'Remembered from earlier sessions (use when relevant):';

export function promptLine(e: MemoryEntry): string {
  return `- ${e.key}: ${e.value.replace(/\s*\n\s*/g, ' ')}`;
}

/**
 * What joins the system prompt: entries relevant to the prompt first, then preferences (they
 * apply to any answer), then the rest by recency — each line only while the whole stays within
 * `budgetTokens`. Returns the text ('' when nothing fits) and the entries used.
 */
export function promptAddition(entries: readonly MemoryEntry[], prompt: string, budgetTokens: number): { text: string; used: MemoryEntry[] } {
  if (budgetTokens <= 0 || entries.length === 0) return { text: '', used: [] };
  let left = budgetTokens - estimateTokens(PROMPT_HEADER) - 1;
  if (left <= 0) return { text: '', used: [] };
  const relevant = rankEntries(entries, prompt).map((s) => s.entry);
  const chosen = new Set(relevant);
  const rest = entries.filter((e) => !chosen.has(e)).sort((a, b) => Number(b.category === 'preference') - Number(a.category === 'preference') || newerFirst(a, b));
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
