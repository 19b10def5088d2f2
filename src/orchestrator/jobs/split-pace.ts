/**
 * A split job's figures as it runs (split-run.ts), for when its whole result is expected — the
 * arithmetic is split-eta.ts's. The plan's own figures: each part's size (its prompt's tokens as
 * the plan counted them, with what every request carries), the answers' lengths and the speeds a
 * dry run of the job uses (plan-estimate.ts), taken as the job starts; then this job's own as its
 * parts answer: the speeds they ran at, their answers' lengths, and how the engine counted their
 * prompts against the plan's count. Said as each part ends and as each combining round starts,
 * with the other work on the job's copy as it is then (copy-queue.ts): what it adds, never whose.
 */
import type { RouteResult } from '../generation/route-types.js';
import type { JobStatusUpdate } from './job-types.js';
import type { SplitPlan } from '../route/offload-types.js';
import type { PlanFigures } from '../route/split-figures.js';
import { combiningRounds, jobSpeeds, splitRemainingMs, type EtaRequest } from './split-eta.js';
import { copyQueue } from './copy-queue.js';
import { slotsOf } from '../fleet/slots-of.js';

type Metrics = RouteResult['metrics'];

/** A part: its prompt as the plan counts it, and whether it runs (since when) or ended. */
interface PartState {
  counted: number;
  startedAt?: number;
  done?: boolean;
}

export class SplitPace {
  private readonly parts: PartState[];
  /** Each answer so far, in tokens (the engine's count where it counted). */
  private readonly answers: number[] = [];
  /** The parts the engine answered: its figures, and their prompts as the plan counted them. */
  private readonly timed: Array<{ metrics: Metrics; counted: number }> = [];
  private readonly plan: PlanFigures;

  /**
   * `framing`: the tokens, as the plan counts, of a part's prompt beside its part (the task and how it
   * is asked), of a combination's beside the answers it combines, and around each answer it combines
   * (its heading and fences); every request also carries the plan's `overheadTokens` (the system
   * prompt and what the plan keeps). `own`: the mark on the job's
   * requests and who asks, to weigh the other work on its copy (none weighed without it).
   */
  constructor(
    private readonly split: SplitPlan,
    private readonly framing: { part: number; combine: number; answer?: number },
    private readonly onStatus: (u: JobStatusUpdate) => void,
    private readonly own?: { mark: object; client: string },
  ) {
    this.plan = split.figures;
    this.parts = split.parts.map((p) => ({ counted: p.tokens + framing.part + split.overheadTokens }));
  }

  /**
   * The job starts: the plan's own estimate of it — the figure a dry run of it shows — said as the plan's
   * until a part is timed (issue 83, finding 4: a hand-over before the first part said nothing of when).
   */
  begin(): void {
    this.onStatus({ expectedAt: Date.now() + Math.round(this.plan.seconds * 1000), fromPlan: true });
  }

  /** Part `i` (or a half of it) asked of the engine, `prompt` its prompt's tokens as counted. */
  started(i: number, prompt: number): void {
    const part = this.parts[i];
    if (!part) return;
    part.startedAt = Date.now();
    part.done = false;
    part.counted = prompt + this.split.overheadTokens;
  }

  /** Part `i` answered: by the engine (`metrics`), or taken up from a lost job (its answer's tokens). */
  answered(i: number, answer: { metrics: Metrics } | { tokens: number }): void {
    const part = this.parts[i];
    if (!part) return;
    if ('metrics' in answer) this.timed.push({ metrics: answer.metrics, counted: part.counted });
    this.answers.push('metrics' in answer ? answer.metrics.outputTokens : answer.tokens);
    part.done = true;
    this.say();
  }

  /** A combining round starts: its prompts (as counted), the last round's when it is one. */
  round(prompts: readonly number[], last: boolean): void {
    const { combineAnswer, finalAnswer } = this.answerTokens();
    const now = prompts.map((p) => ({
      promptTokens: this.engineTokens(p + this.split.overheadTokens),
      answerTokens: last ? finalAnswer : combineAnswer,
    }));
    const after = last ? [] : this.rounds(prompts.map(() => combineAnswer));
    this.say([now, ...after]);
  }

  /** The engine's tokens for `counted` of the plan's: as the engine counted this job's prompts against the plan. */
  private engineTokens(counted: number): number {
    const engine = this.timed.reduce((s, t) => s + t.metrics.promptTokens, 0);
    const plan = this.timed.reduce((s, t) => s + t.counted, 0);
    return Math.round(engine > 0 && plan > 0 ? (counted * engine) / plan : counted);
  }

  /**
   * A part's answer as this job's parts wrote them (else as planned); a combination's, the earlier ones' and the
   * last's, as planned.
   */
  private answerTokens(): { partAnswer: number; combineAnswer: number; finalAnswer: number } {
    const ran = this.timed.map((t) => t.metrics.outputTokens);
    const partAnswer = ran.length > 0 ? Math.round(ran.reduce((s, n) => s + n, 0) / ran.length) : this.plan.partAnswer;
    return { partAnswer, combineAnswer: this.plan.combineAnswer, finalAnswer: this.plan.finalAnswer };
  }

  /** The combining rounds over `answers`. */
  private rounds(answers: readonly number[]): EtaRequest[][] {
    const { partAnswer, combineAnswer, finalAnswer } = this.answerTokens();
    const fixedTokens = this.engineTokens(this.framing.combine + this.split.overheadTokens);
    return combiningRounds(answers, {
      roomTokens: this.split.combineTokens,
      fixedTokens,
      partAnswer,
      combineAnswer,
      finalAnswer,
      eachTokens: this.engineTokens(this.framing.answer ?? 0),
    });
  }

  /** When the whole result is expected, said: the parts left, then `rounds` (else all, over the answers to come). */
  private say(rounds?: EtaRequest[][]): void {
    const now = Date.now();
    const { partAnswer } = this.answerTokens();
    const ask = (p: PartState) => ({ promptTokens: this.engineTokens(p.counted), answerTokens: partAnswer });
    const asked = this.parts
      .filter((p) => p.startedAt !== undefined && !p.done)
      .map((p) => ({ ...ask(p), startedAt: p.startedAt! }));
    const waiting = this.parts.filter((p) => p.startedAt === undefined && !p.done).map(ask);
    const answers = [...this.answers, ...[...asked, ...waiting].map(() => partAnswer)];
    const speeds = { ...this.plan.facts, ...jobSpeeds(this.timed.map((t) => t.metrics)) };
    const { running, copy } = this.onCopy(asked, now);
    const left = { now, width: this.split.width, running, waiting, rounds: rounds ?? this.rounds(answers), copy };
    // no part timed yet (taken up from a lost job): still at the plan's speeds
    this.onStatus({ expectedAt: now + splitRemainingMs(left, speeds), fromPlan: this.timed.length === 0 });
  }

  /** The job's parts asked as its copy holds them, and the other work there (copy-queue.ts). */
  private onCopy(asked: Array<EtaRequest & { startedAt: number }>, now: number): ReturnType<typeof copyQueue> {
    if (!this.own) return { running: asked };
    const { host, model, width, partAnswerTokens } = this.split;
    const own = { ...this.own, tokens: partAnswerTokens, slots: slotsOf(host) ?? width };
    return copyQueue(host.loader.queueOn(model), own, asked, now);
  }
}
