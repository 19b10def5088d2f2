/**
 * The lines of one NDJSON stream that were refused (ndjson.ts): counted, the first one's problem
 * kept, the MAX_BAD-th stopping the stream — and ONE log line for them all, at the stream's end or
 * stop, never one per line.
 */
import { log } from '../../util/log.js';
import { sizeText } from './host-text.js';

/** Invalid lines tolerated in one stream; the next one stops it. */
const MAX_BAD = 5;

export class BadLines {
  private count = 0;
  private first = '';
  private logged = false;

  constructor(
    /** Says where the log line comes from: "Ollama at h: /api/generate". */
    private readonly where: string,
    /** The error that stops the stream, from a sentence saying why. */
    private readonly fail: (why: string) => Error,
  ) {}

  /** The one log line, once, when any line was refused. */
  report(stopped: boolean): void {
    if (this.logged || this.count === 0) return;
    this.logged = true;
    const bad = this.count;
    log.warn(
      `${this.where} sent ${bad} line${bad === 1 ? '' : 's'} that ${bad === 1 ? 'is' : 'are'} not ` +
        `Ollama's (the first: ${this.first}); ` +
        `${stopped ? 'the stream was stopped' : `${bad === 1 ? 'it was' : 'they were'} skipped`}.`,
    );
  }

  /** The error that stops the stream, the log line said first. */
  stopWith(why: string): Error {
    this.report(true);
    return this.fail(why);
  }

  tooLong(bytes: number): Error {
    return this.stopWith(
      `a line of more than ${sizeText(bytes)}, which no answer of Ollama's needs, so the stream was stopped`,
    );
  }

  /** A line refused for `problem`: skipped, unless it is the MAX_BAD-th (then this throws the stop). */
  invalid(problem: string): void {
    if (++this.count === 1) this.first = problem;
    if (this.count >= MAX_BAD)
      throw this.stopWith(
        `${MAX_BAD} lines that are not Ollama's (the first: ${this.first}), so the stream was stopped`,
      );
  }
}
