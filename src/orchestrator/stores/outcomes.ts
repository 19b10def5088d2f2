/**
 * What happened to the answers models gave here, kept in the state database for every ollm-mcp
 * process on the home: per model, host and kind of work, the agent's verdicts, failures,
 * timeouts, answers cut at maxTokens, comparisons won and lost, and measured speed
 * (learning-evidence.ts). Each answer gets an id the agent can give a verdict on later
 * (rate_answer), from this process or another: a row each in the answers table, the last
 * KEEP_ANSWERS kept. The evidence is one small document (model × host × work). The router reads
 * the evidence as plain data (learning.ts).
 */
import { randomUUID } from 'node:crypto';
import { queueWrite, stateDb } from '../storage/db.js';
import { statement } from '../storage/statements.js';
import { SharedDocument } from '../storage/shared-doc.js';
import { log } from '../util/log.js';
import { PROFILE_NAMES } from '../config/profiles.js';
import {
  evidenceKey,
  NO_EVIDENCE,
  recordOutcome,
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

function parseBook(raw: unknown): { value: EvidenceBook; rejected: unknown[] } | null {
  if (!isObj(raw) || !isObj(raw.evidence)) return null;
  const value: Record<string, Evidence> = Object.create(null) as Record<string, Evidence>;
  const rejected: unknown[] = [];
  for (const [key, e] of Object.entries(raw.evidence)) {
    if (!isObj(e)) {
      rejected.push({ [key]: e });
      continue;
    }
    const out: Evidence = { ...NO_EVIDENCE };
    for (const k of COUNTS) out[k] = typeof e[k] === 'number' && Number.isFinite(e[k]) && e[k] >= 0 ? e[k] : 0;
    value[key] = out;
  }
  return { value, rejected };
}

export class Outcomes {
  private readonly book: SharedDocument<EvidenceBook>;
  private readonly home: string;
  /** The evidence as last read or written, for the router (which does not wait for the database). */
  private current: EvidenceBook = {};

  constructor(home: string) {
    this.book = new SharedDocument<EvidenceBook>(home, {
      name: 'evidence',
      parse: parseBook,
      empty: () => ({}),
      serialise: (evidence) => ({ version: 1, evidence }),
      count: (b) => Object.keys(b).length,
    });
    this.home = home;
  }

  /** Reads the evidence (other processes' too). Failures are logged; routing then goes on with what it had. */
  async load(): Promise<EvidenceBook> {
    try {
      this.current = await this.book.snapshot();
    } catch (err) {
      log.warn(`learning: cannot read the evidence: ${(err as Error).message}`);
    }
    return this.current;
  }

  /** The evidence this process last saw. */
  evidence(): EvidenceBook {
    return this.current;
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
      this.current = await this.book.update((book) => outcomes.reduce((b, o) => recordOutcome(b, place, o), book), {
        defer,
      });
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
    if (before !== verdict) {
      // a changed verdict replaces the earlier one
      this.current = await this.book.update((book) => {
        let next = recordOutcome(book, answer, { kind: 'verdict', good });
        if (before) next = undo(next, answer, before);
        return next;
      });
    }
    return { answer, evidence: this.current[evidenceKey(answer)] ?? { ...NO_EVIDENCE }, changed: before !== verdict };
  }

  /** Forgets every outcome and answer (learning starts again from the table's priors). */
  async reset(): Promise<void> {
    this.current = await this.book.update(() => ({}));
    const db = await stateDb(this.home);
    await queueWrite(db, () => db.prepare('DELETE FROM answers').run());
  }
}

/** The book without one earlier verdict at a place. */
function undo(book: EvidenceBook, place: EvidencePlace, verdict: 'good' | 'bad'): EvidenceBook {
  const key = evidenceKey(place);
  const e = book[key];
  if (!e) return book;
  return { ...book, [key]: { ...e, [verdict]: Math.max(0, e[verdict] - 1) } };
}
