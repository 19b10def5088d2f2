/**
 * What happened to the answers models gave here, kept in the state database for every ollm-mcp
 * process on the home: per model, host and kind of work, the agent's verdicts, failures,
 * timeouts, answers cut at maxTokens, comparisons won and lost, and measured speed
 * (learning-evidence.ts). Each answer gets an id the agent can give a verdict on later
 * (rate_answer), from this process or another: a row each in the answers table, the last
 * KEEP_ANSWERS kept. The evidence is a row per model, host and kind of work (storage/keyed-rows.ts:
 * an answer changes its own; it was one document, read and written whole by every answer). The router
 * reads the evidence as plain data (learning.ts).
 */
import { randomUUID } from 'node:crypto';
import { queueWrite, stateDb } from '../storage/db.js';
import { statement } from '../storage/statements.js';
import { KeyedRows } from '../storage/keyed-rows.js';
import { log } from '../util/log.js';
import { PROFILE_NAMES } from '../config/profiles.js';
import {
  addOutcome,
  evidenceKey,
  NO_EVIDENCE,
  type Evidence,
  type EvidenceBook,
  type EvidencePlace,
  type Outcome,
  type WorkKind,
} from '../generation/learning-evidence.js';

export const KEEP_ANSWERS = 1000;

export interface AnswerRecord extends EvidencePlace {
  id: string;
  /** When it was answered (ISO time). */
  at: string;
  /** The verdict given, once one was. */
  verdict?: 'good' | 'bad';
}

interface AnswerRow {
  id: string;
  model: string;
  host: string | null;
  work: string;
  at: string;
  verdict: string | null;
}

/** A verdict that cannot be taken; the message says why and what to do. */
export class VerdictError extends Error {
  override name = 'VerdictError';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const COUNTS = [
  'good',
  'bad',
  'failures',
  'timeouts',
  'cut',
  'wins',
  'losses',
  'speedSamples',
  'tokensPerSecond',
] as const;

/** A stored entry, its counts checked (a person may have edited the database); null when it is not one. */
function parseEvidence(e: unknown): Evidence | null {
  if (!isObj(e)) return null;
  const out: Evidence = { ...NO_EVIDENCE };
  for (const k of COUNTS) out[k] = typeof e[k] === 'number' && Number.isFinite(e[k]) && e[k] >= 0 ? e[k] : 0;
  return out;
}

export class Outcomes {
  private readonly book: KeyedRows<Evidence>;
  private readonly home: string;

  constructor(home: string) {
    this.book = new KeyedRows<Evidence>(home, { store: 'evidence', parse: parseEvidence });
    this.home = home;
  }

  /** Reads the evidence (other processes' too). Failures are logged; routing then goes on with what it had. */
  async load(): Promise<EvidenceBook> {
    try {
      return await this.book.load();
    } catch (err) {
      log.warn(`learning: cannot read the evidence: ${(err as Error).message}`);
      return this.book.book();
    }
  }

  /** The evidence this process last saw. */
  evidence(): EvidenceBook {
    return this.book.book();
  }

  /**
   * Adds outcomes at one place, with the next group commit (storage/writes.ts: no call waits on
   * it). Never throws: a failure is logged and the outcome is lost.
   */
  record(place: EvidencePlace, ...outcomes: Outcome[]): Promise<void> {
    return this.add(place, outcomes, true);
  }

  /** Adds outcomes the user is told about (prefer_model's comparison), committed before this resolves. Never throws. */
  recordNow(place: EvidencePlace, ...outcomes: Outcome[]): Promise<void> {
    return this.add(place, outcomes, false);
  }

  private async add(place: EvidencePlace, outcomes: Outcome[], defer: boolean): Promise<void> {
    try {
      await this.book.change(evidenceKey(place), (e) => outcomes.reduce(addOutcome, e ?? NO_EVIDENCE), { defer });
    } catch (err) {
      log.warn(`learning: cannot record the outcome of ${place.model}: ${(err as Error).message}`);
    }
  }

  /**
   * Keeps an answer so a verdict can be given on it later, and returns its id at once: the row is
   * committed with the next group commit, long before an agent has checked the answer (a verdict
   * from this process is queued after it and takes it into its own transaction). A failure is logged; the id
   * then finds nothing.
   */
  answered(place: EvidencePlace): string {
    const record: AnswerRecord = { id: randomUUID(), at: new Date().toISOString(), ...place };
    const failed = (err: unknown) => log.warn(`learning: cannot keep answer ${record.id}: ${(err as Error).message}`);
    stateDb(this.home)
      .then((db) =>
        queueWrite(
          db,
          () => {
            statement(db, 'INSERT INTO answers (id, model, host, work, at) VALUES (?, ?, ?, ?, ?)').run(
              record.id,
              record.model,
              record.host ?? null,
              record.work,
              record.at,
            );
            // the last KEEP_ANSWERS are kept
            statement(db, 'DELETE FROM answers WHERE rowid <= (SELECT max(rowid) FROM answers) - ?').run(KEEP_ANSWERS);
          },
          { defer: true },
        ),
      )
      .catch(failed);
    return record.id;
  }

  /** The agent's verdict on an answer: counted once for its model, host and kind of work. */
  async verdict(
    answerId: string,
    good: boolean,
  ): Promise<{ answer: AnswerRecord; evidence: Evidence; changed: boolean }> {
    const verdict = good ? 'good' : 'bad';
    const db = await stateDb(this.home);
    const { value: found } = await queueWrite(db, () => {
      const row = statement(db, 'SELECT id, model, host, work, at, verdict FROM answers WHERE id = ?').get(answerId) as
        AnswerRow | undefined;
      if (row) statement(db, 'UPDATE answers SET verdict = ? WHERE id = ?').run(verdict, answerId);
      return row;
    });
    if (!found || !(PROFILE_NAMES as readonly string[]).includes(found.work)) {
      throw new VerdictError(
        `No answer has the id "${answerId}" — use the answerId of a route_and_generate result (the ` +
          `last ${KEEP_ANSWERS} answers are kept).`,
      );
    }
    const answer: AnswerRecord = {
      id: found.id,
      model: found.model,
      work: found.work as WorkKind,
      at: found.at,
      ...(found.host && { host: found.host }),
      verdict,
    };
    const before = found.verdict === 'good' || found.verdict === 'bad' ? found.verdict : undefined;
    const key = evidenceKey(answer);
    if (before !== verdict)
      // a changed verdict replaces the earlier one
      await this.book.change(key, (e) => {
        const next = addOutcome(e ?? NO_EVIDENCE, { kind: 'verdict', good });
        return before ? { ...next, [before]: Math.max(0, next[before] - 1) } : next;
      });
    return { answer, evidence: this.book.book()[key] ?? { ...NO_EVIDENCE }, changed: before !== verdict };
  }

  /** Forgets every outcome and answer (learning starts again from the table's priors). */
  async reset(): Promise<void> {
    await this.book.clear();
    const db = await stateDb(this.home);
    await queueWrite(db, () => db.prepare('DELETE FROM answers').run());
  }
}
