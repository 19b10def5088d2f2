/**
 * How a walk's .gitignore work shares the server's one thread: reading rules and matching them
 * are done in slices, each timed; between slices the thread is given back to other calls, and
 * past a budget of work in all the walk stops.
 */
/**
 * Each rule is bounded by pattern × path, and a .gitignore's lines are read a slice at a time, but
 * a repository may hold thousands of costly rules over thousands of deep paths, or large files of
 * rules. After `sliceMs` of work the walk lets other calls in; past `budgetMs` of work in all it
 * stops with RulesTooCostly (a legitimate tree takes a small part of it: npm run bench -- inputs).
 */
export interface RulesPace {
  sliceMs: number;
  budgetMs: number;
}
export const RULES_PACE: RulesPace = { sliceMs: 20, budgetMs: 15_000 };

/**
 * The rules took longer than the walk's budget to read and match, are too many to match a path in one step,
 * or cannot be read.
 */
export class RulesTooCostly extends Error {}

/**
 * How a .gitignore's reading shares the thread: each slice of lines is timed, and the thread given back
 * between slices when due.
 */
export interface ReadSlices {
  timed<T>(work: () => T): T;
  breathe(): Promise<void>;
}

/** One walk's slices of .gitignore work: the time they took, and when the thread was last given back. */
export class Pacer implements ReadSlices {
  private spent = 0;
  private sliceStart = performance.now();

  constructor(
    private readonly top: string,
    private readonly pace: RulesPace,
  ) {}

  /** Runs `work` (synchronous: it cannot give the thread back inside), counting its time against the budget. */
  timed<T>(work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.spent += performance.now() - started;
    }
  }

  /** Gives the thread back once a slice is used up; throws RulesTooCostly past the budget. */
  async breathe(): Promise<void> {
    if (this.spent > this.pace.budgetMs) {
      throw new RulesTooCostly(
        `the .gitignore rules under ${this.top} took more than ` +
          `${Math.round(this.pace.budgetMs / 1000)} s to read and match against these paths`,
      );
    }
    if (performance.now() - this.sliceStart < this.pace.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
