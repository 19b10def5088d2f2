/**
 * The texts of one walk's files of rules, within bounds of memory: each folder's .gitignore read
 * ahead of the walk a few at a time (a read at depth waits on the kernel's walk of its path, and
 * reads side by side overlap those waits), at most `aheadBytes` of them held before the walk takes
 * them — past that a text is let go and read again when its folder is entered — and at most
 * `walkBytes` of rules taken by one walk in all, past which the walk is refused: every rule taken
 * stays compiled until the walk ends.
 */
import { RulesUnreadable, type RulesReader } from './gitignore-read.js';

export interface RulesTextBounds {
  aheadBytes: number;
  walkBytes: number;
}
export const RULES_TEXT: RulesTextBounds = { aheadBytes: 16_000_000, walkBytes: 32_000_000 };

/** A text read ahead and let go (too much held): read it again when needed. */
const LET_GO = Symbol('let go');

const mb = (chars: number) => `${(chars / 1_000_000).toFixed(1)} MB`;

export class RulesTexts {
  private readonly ahead = new Map<string, Promise<string | undefined | typeof LET_GO>>();
  /** What the texts read ahead and not yet taken hold, in characters. */
  private held = 0;
  /** What the walk took, in characters. */
  private taken = 0;

  constructor(
    private readonly top: string,
    private readonly read: RulesReader,
    private readonly bounds: RulesTextBounds = RULES_TEXT,
  ) {}

  /**
   * Starts reading the rules of `dirs`, in that order, `concurrency` at a time. A failure is thrown
   * where the walk takes that folder's rules, if ever: a .gitignore in an ignored folder may be read
   * this way, and its rules (or its failure) are never used.
   */
  prefetch(dirs: readonly string[], concurrency: number): void {
    const started: Array<Promise<unknown>> = [];
    dirs.forEach((dir, i) => {
      const before = started[i - concurrency];
      const next = () => this.read(dir).then((text) => this.hold(text));
      const text = before ? before.then(next, next) : next();
      text.catch(() => undefined);
      started.push(text);
      this.ahead.set(dir, text);
    });
  }

  private hold(text: string | undefined): string | undefined | typeof LET_GO {
    if (text === undefined) return undefined;
    if (this.held + text.length > this.bounds.aheadBytes) return LET_GO;
    this.held += text.length;
    return text;
  }

  /** The rules of `dir` for the walk (read ahead, or now), counted against its bound. */
  async take(dir: string): Promise<string | undefined> {
    const early = this.ahead.get(dir);
    this.ahead.delete(dir);
    let text = early ? await early : LET_GO;
    if (typeof text === 'string') this.held -= text.length;
    if (text === LET_GO) text = await this.read(dir);
    if (text !== undefined) this.count(text);
    return text;
  }

  /** Counts a text of rules the walk took; throws RulesUnreadable past the walk's bound. */
  count(text: string): void {
    this.taken += text.length;
    if (this.taken > this.bounds.walkBytes) {
      throw new RulesUnreadable(
        `the files of rules under ${this.top} hold more than the ${mb(this.bounds.walkBytes)} one ` +
          `walk reads, so which files git ignores cannot be told`,
      );
    }
  }
}
