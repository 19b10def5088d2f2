/**
 * The loader's queue: its loads and unloads run one at a time, so two plans never both believe
 * they fit. Other work (an unload asked by name, a pin brought back) runs in the order it came;
 * among the loads waiting at the front, the one to run next is asked of `choose` (the loader plays
 * their orders out: load-order.ts) — unless the oldest has waited STARVE_MS, which then goes first,
 * so reordering never keeps one waiting past a client's patience. A failed or slow choice falls
 * back to the oldest.
 */

/** A load waiting this long goes next, whatever the best order says (ms). */
export const STARVE_MS = 15_000;

/** The longest the choice may take (it reads the engine's loaded list): then the oldest goes. */
const CHOOSE_MS = 2000;

interface Entry<L> {
  run: () => Promise<unknown>;
  /** Set for a load: what `choose` is given. */
  load?: L;
  at: number;
  settle: (run: Promise<unknown>) => void;
}

export class LoadQueue<L> {
  private readonly entries: Array<Entry<L>> = [];
  private running = false;

  constructor(
    /** The index, among these loads at the front of the queue (oldest first), of the one to run next. */
    private readonly choose: (loads: readonly L[]) => Promise<number>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Work queued or running. */
  get size(): number {
    return this.entries.length + (this.running ? 1 : 0);
  }

  /** The loads waiting, oldest first (not the one running). */
  waiting(): L[] {
    return this.entries.flatMap((e) => (e.load === undefined ? [] : [e.load]));
  }

  /** Runs `work` in its turn; `load` marks it as a load the queue may run before older ones. */
  push<T>(work: () => Promise<T>, load?: L): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (run: Promise<unknown>): void => {
        (run as Promise<T>).then(resolve, reject); // its failure is the caller's, passed on by reject
      };
      this.entries.push({ run: work, ...(load !== undefined && { load }), at: this.now(), settle });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.entries.length > 0) {
        const [entry] = this.entries.splice(await this.pick(), 1);
        const run = Promise.resolve().then(entry!.run);
        entry!.settle(run);
        await run.catch(() => undefined);
      }
    } finally {
      this.running = false;
    }
  }

  /** The index of the entry to run next. */
  private async pick(): Promise<number> {
    const front: L[] = [];
    for (const e of this.entries) {
      if (e.load === undefined) break;
      front.push(e.load);
    }
    if (front.length < 2 || this.now() - this.entries[0]!.at >= STARVE_MS) return 0;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<number>((r) => (timer = setTimeout(() => r(0), CHOOSE_MS)));
    const i = await Promise.race([this.choose(front).catch(() => 0), late]).finally(() => clearTimeout(timer));
    return Number.isInteger(i) && i >= 0 && i < front.length ? i : 0;
  }
}
