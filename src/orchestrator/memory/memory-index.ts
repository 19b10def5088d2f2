/**
 * Which entries hold which words, so a search touches only the entries that match. One index per
 * version of the entry list: built once when a version is first searched (after another process
 * changed the file), and carried forward by this process's own changes instead of being rebuilt.
 */
import type { MemoryEntry } from './types.js';

/** Words of a text: the caller's tokeniser, applied once per entry. */
export type Tokenise = (text: string) => string[];

type Postings = Map<string, Set<MemoryEntry>>;

export interface WordHits {
  /** Entry → 1 when the word is in its key, 0.6 when only a longer word it begins is. */
  key: Map<MemoryEntry, number>;
  value: Map<MemoryEntry, number>;
}

const PREFIX_WEIGHT = 0.6;

export class MemoryIndex {
  private readonly keyWords: Postings = new Map();
  private readonly valueWords: Postings = new Map();
  /** Every word of either kind, sorted, for prefix lookups. */
  private readonly vocab: string[] = [];
  private readonly wordsOf = new WeakMap<MemoryEntry, { key: string[]; value: string[] }>();
  size = 0;
  private building = false;

  constructor(private readonly tokenise: Tokenise) {}

  static build(entries: readonly MemoryEntry[], tokenise: Tokenise): MemoryIndex {
    const index = new MemoryIndex(tokenise);
    index.building = true; // words are sorted once at the end, not inserted in order one by one
    for (const e of entries) index.add(e);
    index.vocab.sort();
    index.building = false;
    return index;
  }

  add(e: MemoryEntry): void {
    const w = { key: [...new Set(this.tokenise(e.key))], value: [...new Set(this.tokenise(e.value))] };
    this.wordsOf.set(e, w);
    for (const word of w.key) this.post(this.keyWords, word, e);
    for (const word of w.value) this.post(this.valueWords, word, e);
    this.size++;
  }

  remove(e: MemoryEntry): void {
    const w = this.wordsOf.get(e);
    if (!w) return;
    for (const word of w.key) this.unpost(this.keyWords, word, e);
    for (const word of w.value) this.unpost(this.valueWords, word, e);
    this.size--;
  }

  /** About how many entries hold `word` (at least as many as hold it in the key, or in the value). */
  frequency(word: string): number {
    return Math.max(this.keyWords.get(word)?.size ?? 0, this.valueWords.get(word)?.size ?? 0);
  }

  /** Entries holding `word` — and, when `prefix`, a longer word it begins — in key and value. */
  lookup(word: string, prefix: boolean): WordHits {
    const hits: WordHits = { key: new Map(), value: new Map() };
    const collect = (w: string, weight: number) => {
      for (const e of this.keyWords.get(w) ?? []) if ((hits.key.get(e) ?? 0) < weight) hits.key.set(e, weight);
      for (const e of this.valueWords.get(w) ?? []) if ((hits.value.get(e) ?? 0) < weight) hits.value.set(e, weight);
    };
    collect(word, 1);
    if (prefix) {
      for (let i = this.lowerBound(word); i < this.vocab.length && this.vocab[i]!.startsWith(word); i++) {
        if (this.vocab[i] !== word) collect(this.vocab[i]!, PREFIX_WEIGHT);
      }
    }
    return hits;
  }

  private post(postings: Postings, word: string, e: MemoryEntry): void {
    let set = postings.get(word);
    if (!set) {
      if (!this.keyWords.has(word) && !this.valueWords.has(word)) {
        if (this.building) this.vocab.push(word);
        else this.vocab.splice(this.lowerBound(word), 0, word);
      }
      set = new Set();
      postings.set(word, set);
    }
    set.add(e);
  }

  private unpost(postings: Postings, word: string, e: MemoryEntry): void {
    const set = postings.get(word);
    if (!set) return;
    set.delete(e);
    if (set.size > 0) return;
    postings.delete(word);
    if (!this.keyWords.has(word) && !this.valueWords.has(word)) this.vocab.splice(this.lowerBound(word), 1);
  }

  private lowerBound(word: string): number {
    let lo = 0;
    let hi = this.vocab.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vocab[mid]! < word) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
