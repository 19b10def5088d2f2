/**
 * One .gitignore's plain rules — a name or path (`build`, `/dist`, `a/b.txt`), `*` then a plain
 * ending (`*.log`) — looked up instead of tried one by one (issue 72: a generated .gitignore of
 * 140,000 names cost 34–40 ms a path, tried against each). A name rule is found by the text
 * itself; an ending rule by each ending of the text as long as an ending some rule holds — at most
 * one per byte of the name the `*` lies in, whatever the number of rules. Git lets the last rule that matches
 * decide, so of the
 * rules with one key only the last can ever decide: each key keeps that rule's mark — its place
 * in the file, times two, plus one for a negation — so marks compare as places do.
 */
import type { PlainRule } from './gitignore-pattern.js';

/**
 * The most keys one Map takes before the next is started: a Map grows by copying itself whole, in
 * one step that cannot give the thread back — at 1 million keys some 80 ms on a busy machine.
 */
const KEYS_PER_MAP = 1 << 17;

/** The Map lookups made so far (never reset): what plain rules cost, counted, not timed. */
export const lookupWork = { gets: 0 };

/** Keys → marks in Maps of bounded size, later ones holding later rules: looked up newest first. */
class Marks {
  private readonly maps: Array<Map<string, number>> = [new Map()];

  set(key: string, mark: number): void {
    let map = this.maps[this.maps.length - 1]!;
    if (map.size >= KEYS_PER_MAP) this.maps.push((map = new Map()));
    map.set(key, mark);
  }

  /** The mark of the last rule with `key`, or undefined. */
  get(key: string): number | undefined {
    for (let i = this.maps.length - 1; i >= 0; i--) {
      lookupWork.gets++;
      const mark = this.maps[i]!.get(key);
      if (mark !== undefined) return mark;
    }
    return undefined;
  }
}

/** The plain rules of one kind: matched against the last name or the whole path, folders only or not. */
class Shelf {
  /** A name rule's text → the mark of the last rule with it. */
  private readonly names = new Marks();
  /** An ending rule's ending → the mark of the last rule with it. */
  private readonly endings = new Marks();
  /** The lengths of the endings held: the only endings of a text worth looking up. */
  private readonly lengthSet = new Set<number>();
  /** The same, ascending; sorted again when a length was added since. */
  private sorted: number[] = [];

  add(rule: PlainRule, mark: number): void {
    if (rule.kind === 'name') {
      this.names.set(rule.key, mark);
      return;
    }
    this.endings.set(rule.key, mark);
    this.lengthSet.add(rule.key.length);
  }

  private lengths(): readonly number[] {
    if (this.sorted.length !== this.lengthSet.size) this.sorted = [...this.lengthSet].sort((a, b) => a - b);
    return this.sorted;
  }

  /** The mark of the last rule here that matches `text` (a name, or a whole relative path), or -1. */
  last(text: string): number {
    let best = this.names.get(text) ?? -1;
    const lengths = this.lengths();
    if (lengths.length === 0) return best;
    // the "*" takes what comes before the ending, which holds no "/": the ending starts at or before the first "/"
    const slash = text.indexOf('/');
    const shortest = slash < 0 ? 0 : text.length - slash;
    for (let i = firstAtLeast(lengths, shortest); i < lengths.length; i++) {
      const length = lengths[i]!;
      if (length > text.length) break;
      const mark = this.endings.get(text.slice(text.length - length));
      if (mark !== undefined && mark > best) best = mark;
    }
    return best;
  }
}

/** The first place in the ascending `list` holding at least `min`. */
function firstAtLeast(list: readonly number[], min: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < min) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The plain rules of one .gitignore, by kind: [whole path, last name] × [any, folders only]. */
export class PlainRules {
  private readonly shelves = [new Shelf(), new Shelf(), new Shelf(), new Shelf()];
  size = 0;

  /** Adds the rule at place `at` of its file (places rise with the lines). */
  add(rule: PlainRule, at: number): void {
    this.shelves[(rule.basename ? 2 : 0) + (rule.dirOnly ? 1 : 0)]!.add(rule, at * 2 + (rule.negative ? 1 : 0));
    this.size++;
  }

  /**
   * The mark of the last plain rule that matches `path` (relative, folded, "/" between names), or
   * -1: its place is `mark >> 1`, and `mark & 1` says it is a negation.
   */
  last(path: string, isDir: boolean): number {
    const name = path.slice(path.lastIndexOf('/') + 1);
    let best = Math.max(this.shelves[0]!.last(path), this.shelves[2]!.last(name));
    if (isDir) best = Math.max(best, this.shelves[1]!.last(path), this.shelves[3]!.last(name));
    return best;
  }
}
