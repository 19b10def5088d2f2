/**
 * The speeds models showed on each host — reading prompts, writing answers, how long their
 * answers run (generation/speed-learning.ts) — kept in the state database as one small document
 * shared by every ollm-mcp process on the home, so they survive restarts. Each answer adds its
 * figures with the next group commit; the estimator reads what this process last saw, without
 * waiting for the database.
 */
import { SharedDocument } from '../storage/shared-doc.js';
import { log } from '../util/log.js';
import {
  learnSpeed,
  parseSpeedRecord,
  speedsAt,
  type LearnedSpeeds,
  type SpeedBook,
  type SpeedSample,
} from '../generation/speed-learning.js';

function parseBook(raw: unknown): { value: SpeedBook; rejected: unknown[] } | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const speeds = (raw as Record<string, unknown>).speeds;
  if (typeof speeds !== 'object' || speeds === null || Array.isArray(speeds)) return null;
  const value: SpeedBook = Object.create(null) as SpeedBook;
  const rejected: unknown[] = [];
  for (const [key, r] of Object.entries(speeds)) {
    const record = parseSpeedRecord(r);
    if (record) value[key] = record;
    else rejected.push({ [key]: r });
  }
  return { value, rejected };
}

export class SpeedStore {
  private readonly doc: SharedDocument<SpeedBook>;
  private current: SpeedBook = {};
  private readonly now: () => number;

  constructor(home: string, options: { now?: () => number } = {}) {
    this.doc = new SharedDocument<SpeedBook>(home, {
      name: 'speeds',
      parse: parseBook,
      empty: () => ({}),
      serialise: (speeds) => ({ version: 1, speeds }),
      count: (b) => Object.keys(b).length,
    });
    this.now = options.now ?? Date.now;
  }

  /** Reads the speeds (other processes' too). A failure is logged; estimates then go on with what they had. */
  async load(): Promise<SpeedBook> {
    try {
      this.current = await this.doc.snapshot();
    } catch (err) {
      log.warn(`speeds: cannot read them: ${(err as Error).message}`);
    }
    return this.current;
  }

  /** The book this process last saw. */
  book(): SpeedBook {
    return this.current;
  }

  /**
   * What was learned of `model` on `host`; with `task`, its answers' lengths for that task (speed-learning.ts
   * speedsAt).
   */
  at(host: string, model: string, task?: string): LearnedSpeeds {
    return speedsAt(this.current, host, model, task);
  }

  /**
   * One answer's figures, added with the next group commit (no call waits on it) — and seen by this
   * process's estimates at once, so the next call placed before that commit weighs them (issue 75,
   * finding 10); the committed book replaces it. Never throws.
   */
  async record(host: string, model: string, sample: SpeedSample, options: { defer?: boolean } = {}): Promise<void> {
    try {
      const at = this.now();
      const learn = (book: SpeedBook) => learnSpeed(book, host, model, sample, at);
      this.current = learn(this.current);
      this.current = await this.doc.update(learn, { defer: options.defer ?? true });
    } catch (err) {
      log.warn(`speeds: cannot record ${model}'s: ${(err as Error).message}`);
    }
  }

  /** Forgets every speed learned. */
  async reset(): Promise<void> {
    this.current = await this.doc.update(() => ({}));
  }
}
