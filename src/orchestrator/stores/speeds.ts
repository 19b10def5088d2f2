/**
 * The speeds models showed on each host — reading prompts, writing answers, how long their
 * answers run (generation/speed-learning.ts) — kept in the state database, one row per host and
 * model (stores/speed-rows.ts), shared by every ollm-mcp process on the home, so they survive
 * restarts. Each answer changes its place's row with the next group commit — one row, however many
 * places are known (the whole book was read, checked and written again for every answer, ~4 ms a
 * call at 100 places, ~25 at 500: issue 82) — and this process then takes the rows others wrote
 * since it last read. The estimator reads what this process last saw, without waiting for the database.
 */
import { commitSoon, queueWrite, stateDb, type Db } from '../storage/db.js';
import { log } from '../util/log.js';
import {
  MAX_PLACES,
  bounded,
  learnRecord,
  speedKey,
  speedsAt,
  type LearnedSpeeds,
  type SpeedBook,
  type SpeedRecord,
  type SpeedSample,
} from '../generation/speed-learning.js';
import { clearRecords, placeCount, rowsSince, storedRecord, writeRecord } from './speed-rows.js';

export class SpeedStore {
  private current = Object.create(null) as SpeedBook;
  /** How many places the book holds. */
  private places = 0;
  /** The newest row this process read (speed-rows.ts numbers them in the order written). */
  private seen = 0;
  /** This process's answers not yet committed: a read waits for them (never for other stores' writes). */
  private readonly unsettled = new Set<Promise<unknown>>();
  private readonly now: () => number;

  constructor(
    private readonly home: string,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Reads the speeds (other processes' too), this process's answers waiting for their group commit included.
   * A failure is logged; estimates then go on with what they had.
   */
  async load(): Promise<SpeedBook> {
    try {
      const db = await stateDb(this.home);
      if (this.unsettled.size > 0) {
        commitSoon(db);
        await Promise.allSettled([...this.unsettled]);
      }
      this.readAll(db);
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
   * finding 10); the place's row as committed (other processes' answers there included) replaces it,
   * with the rows others wrote meanwhile. Never throws.
   */
  async record(host: string, model: string, sample: SpeedSample, options: { defer?: boolean } = {}): Promise<void> {
    try {
      const at = this.now();
      const key = speedKey(host, model);
      this.put(key, learnRecord(this.current[key], sample, at));
      const db = await stateDb(this.home);
      const queued = queueWrite(
        db,
        () => {
          const next = learnRecord(storedRecord(db, key), sample, at);
          if (next) writeRecord(db, key, next);
        },
        { defer: options.defer ?? true },
      );
      this.unsettled.add(queued);
      try {
        await queued;
      } finally {
        this.unsettled.delete(queued);
      }
      this.catchUp(db);
    } catch (err) {
      log.warn(`speeds: cannot record ${model}'s: ${(err as Error).message}`);
    }
  }

  /** Forgets every speed learned. */
  async reset(): Promise<void> {
    const db = await stateDb(this.home);
    await queueWrite(db, () => clearRecords(db));
    this.current = Object.create(null) as SpeedBook;
    this.places = 0;
  }

  /**
   * One place's record into the book, in place (its readers use it within a turn: a later one sees the newer
   * figures); past MAX_PLACES places, the least recently seen go.
   */
  private put(key: string, record: SpeedRecord | undefined): void {
    if (!record) return;
    if (!(key in this.current)) this.places++;
    this.current[key] = record;
    if (this.places > MAX_PLACES) this.take(bounded(this.current));
  }

  private take(book: SpeedBook): void {
    this.current = book;
    this.places = Object.keys(book).length;
  }

  private readAll(db: Db): void {
    const { records, last } = rowsSince(db, 0);
    const book = Object.create(null) as SpeedBook;
    for (const [key, record] of records) book[key] = record;
    this.take(bounded(book));
    this.seen = last;
  }

  /**
   * The rows written since this process last read, taken into its book; read whole instead when the table
   * holds other places than the book (rows forgotten: past MAX_PLACES, or a reset).
   */
  private catchUp(db: Db): void {
    const { records, last } = rowsSince(db, this.seen);
    for (const [key, record] of records) this.put(key, record);
    this.seen = last;
    if (placeCount(db) !== this.places) this.readAll(db);
  }
}
