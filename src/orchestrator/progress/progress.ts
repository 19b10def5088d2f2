/**
 * One reporter per long call: the core tells it which phase the work is in (phases.ts), and it
 * sends a progress update at once on every change, throttles updates within a phase, and re-sends
 * the current phase at least every `intervalMs` (a heartbeat), so a client that resets its
 * timeout on progress keeps waiting through a silent load or a long prompt.
 *
 * `progress` never goes down within a call, whatever the phases do (a fallback to another model
 * starts its tokens at zero again): each phase counts in its own unit (tokens, bytes, seconds)
 * from the level the previous one reached, and every update is above the last.
 *
 * Several things may run at once (compare's models): each gets a lane, and the message joins them.
 * Nothing here knows MCP: the sink is whatever the caller sends updates through.
 */
import { describePhase, measurePhase, samePhase, type Phase } from './phases.js';

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message: string;
}

export type ProgressSink = (update: ProgressUpdate) => void;

/** What the core is given: enter a phase, or update the one it is in. */
export interface PhaseReporter {
  enter(phase: Phase): void;
}

/** A reporter for work that runs several things at once. */
export interface PhaseBoard extends PhaseReporter {
  /** A reporter for one of the things running at once; its phase shows beside the others' until it ends. */
  lane(key: string): PhaseReporter & { end(): void };
  /** A few words put before every message, e.g. "2 of 3 models done". */
  note(text: string): void;
}

export interface TrackerOptions {
  /** The heartbeat: the current phase is sent again when nothing was sent for this long. */
  intervalMs: number;
  /** Updates within one phase (more tokens, more bytes) are sent at most this often. */
  minIntervalMs?: number;
  /**
   * Whether anyone hears the updates now (a client that asked, a job): when not, nothing is measured, said or
   * timed.
   */
  heard?: () => boolean;
  now?: () => number;
}

/** The smallest rise between two updates; progress is kept to three decimals. */
const STEP = 0.001;
const ROOT = '';
const round = (n: number) => Math.round(n * 1000) / 1000;

interface Lane {
  phase: Phase;
  since: number;
}

export class PhaseTracker implements PhaseBoard {
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private prefix = '';
  private last = 0;
  private sent = 0;
  private lastSentAt = -Infinity;
  /** What the current measure counts (which lanes, in which phases); a change starts counting from `base`. */
  private basis = '';
  private base = 0;
  private doneAtBase = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly options: TrackerOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.minIntervalMs = options.minIntervalMs ?? 500;
  }

  enter(phase: Phase): void {
    this.set(ROOT, phase);
  }

  lane(key: string): PhaseReporter & { end(): void } {
    const id = `lane:${key}`;
    return {
      enter: (phase) => this.set(id, phase),
      end: () => {
        if (this.lanes.delete(id)) this.send();
      },
    };
  }

  note(text: string): void {
    this.prefix = text;
  }

  /** Stops the heartbeat; nothing is sent after this. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Updates sent so far. */
  get count(): number {
    return this.sent;
  }

  private set(id: string, phase: Phase): void {
    if (this.closed) return;
    const current = this.lanes.get(id);
    if (current && samePhase(current.phase, phase)) {
      current.phase = phase;
      if (this.now() - this.lastSentAt >= this.minIntervalMs) this.send();
      return;
    }
    this.lanes.set(id, { phase, since: this.now() });
    this.send();
  }

  /** The phases shown: the lanes while any runs, else the call's own phase. */
  private active(): Array<[string, Lane]> {
    const lanes = [...this.lanes].filter(([id]) => id !== ROOT);
    if (lanes.length) return lanes;
    const root = this.lanes.get(ROOT);
    return root ? [[ROOT, root]] : [];
  }

  private send(): void {
    if (this.closed || this.options.heard?.() === false) return;
    const active = this.active();
    if (active.length === 0) return;
    const now = this.now();
    const measures = active.map(([, l]) => measurePhase(l.phase, now - l.since));
    const done = measures.reduce((s, m) => s + m.done, 0);
    const totals = measures.every((m) => m.total !== undefined)
      ? measures.reduce((s, m) => s + m.total!, 0)
      : undefined;
    const basis = active
      .map(([id, l]) => `${id}|${l.phase.kind}|${'model' in l.phase ? l.phase.model : ''}`)
      .join('\n');
    if (basis !== this.basis) {
      this.basis = basis;
      this.base = this.last;
      this.doneAtBase = done;
    }
    let progress = round(this.base + done - this.doneAtBase);
    if (progress < this.last + STEP) progress = round(this.last + STEP);
    const total = totals === undefined ? undefined : round(this.base + totals - this.doneAtBase);
    const text = active.map(([, l]) => describePhase(l.phase, now - l.since)).join('; ');
    this.last = progress;
    this.lastSentAt = now;
    this.sent++;
    this.sink({
      progress,
      ...(total !== undefined && total >= progress && { total }),
      message: this.prefix ? `${this.prefix}: ${text}` : text,
    });
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), this.options.intervalMs);
    this.timer.unref();
  }
}
