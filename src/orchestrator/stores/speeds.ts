/**
 * The speeds models showed on each host — reading prompts, writing answers, how long their
 * answers run (generation/speed-learning.ts) — kept in the state database one row per host and
 * model (storage/keyed-rows.ts), shared by every ollm-mcp process on the home, so they survive
 * restarts. Each answer changes its place's row with the next group commit — one row, however many
 * places are known (the whole book was read, checked and written again by every answer: +51 ms of CPU
 * a quick call at 300 places, issue 82) — and this process then takes the rows others wrote since it
 * last read. The estimator reads what this process last saw, without waiting for the database.
 */
import { KeyedRows } from '../storage/keyed-rows.js';
import { log } from '../util/log.js';
import {
  MAX_PLACES,
  bounded,
  learnRecord,
  parseSpeedRecord,
  speedKey,
  speedsAt,
  type LearnedSpeeds,
  type SpeedBook,
  type SpeedRecord,
  type SpeedSample,
} from '../generation/speed-learning.js';

export class SpeedStore {
  private readonly rows: KeyedRows<SpeedRecord>;
  private readonly now: () => number;

  constructor(home: string, options: { now?: () => number } = {}) {
    this.rows = new KeyedRows<SpeedRecord>(home, {
      store: 'speeds',
      parse: parseSpeedRecord,
      limit: MAX_PLACES,
      bound: bounded,
    });
    this.now = options.now ?? Date.now;
  }

  /**
   * Reads the speeds (other processes' too), this process's answers waiting for their group commit included.
   * A failure is logged; estimates then go on with what they had.
   */
  async load(): Promise<SpeedBook> {
    try {
      return await this.rows.load();
    } catch (err) {
      log.warn(`speeds: cannot read them: ${(err as Error).message}`);
      return this.rows.book();
    }
  }

  /** The book this process last saw. */
  book(): SpeedBook {
    return this.rows.book();
  }

  /**
   * What was learned of `model` on `host`; with `task`, its answers' lengths for that task (speed-learning.ts
   * speedsAt).
   */
  at(host: string, model: string, task?: string): LearnedSpeeds {
    return speedsAt(this.rows.book(), host, model, task);
  }

  /**
   * One answer's figures, added with the next group commit (no call waits on it) — and seen by this
   * process's estimates at once, so the next call placed before that commit weighs them (issue 75,
   * finding 10); the place's row as committed (other processes' answers there included) replaces it,
   * with the rows others wrote meanwhile. Never throws.
   */
  async record(host: string, model: string, sample: SpeedSample, options: { defer?: boolean } = {}): Promise<void> {
    try {
      const at = this.now();
      await this.rows.change(speedKey(host, model), (had) => learnRecord(had, sample, at), {
        defer: options.defer ?? true,
      });
    } catch (err) {
      log.warn(`speeds: cannot record ${model}'s: ${(err as Error).message}`);
    }
  }

  /** Forgets every speed learned. */
  async reset(): Promise<void> {
    await this.rows.clear();
  }
}
