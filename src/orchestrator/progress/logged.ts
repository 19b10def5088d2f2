/**
 * Long work's phases as log lines for the client (MCP logging, at the level it chose): one line
 * when a phase begins — a load, an unload, a wait, a fallback to the next model, a part of a split
 * — never one per update within it. Wraps the progress reporter (progress.ts), if there is one, so
 * both see every phase. Nothing here knows MCP: the sink is whatever the caller logs through.
 */
import { describePhase, samePhase, type Phase } from './phases.js';
import type { PhaseBoard, PhaseReporter } from './progress.js';

/** Syslog levels, as MCP names them; only these three are used. */
export type PhaseLogLevel = 'debug' | 'info' | 'warning';
export type PhaseLogSink = (level: PhaseLogLevel, text: string) => void;

/** A model failing is a warning; the steps of generating and downloading are detail; the rest is news. */
export function phaseLevel(p: Phase): PhaseLogLevel {
  if (p.kind === 'fallback') return 'warning';
  return p.kind === 'generating' || p.kind === 'evaluating' || p.kind === 'pulling' ? 'debug' : 'info';
}

export class LoggedBoard implements PhaseBoard {
  private readonly last = new Map<string, Phase>();
  private prefix = '';

  constructor(
    private readonly sink: PhaseLogSink,
    private readonly inner?: PhaseBoard,
  ) {}

  private log(lane: string, phase: Phase): void {
    const before = this.last.get(lane);
    this.last.set(lane, phase);
    if (before && samePhase(before, phase)) return;
    this.sink(phaseLevel(phase), `${this.prefix}${describePhase(phase, 0)}`);
  }

  enter(phase: Phase): void {
    this.log('', phase);
    this.inner?.enter(phase);
  }

  lane(key: string): PhaseReporter & { end(): void } {
    const inner = this.inner?.lane(key);
    return {
      enter: (phase) => {
        this.log(key, phase);
        inner?.enter(phase);
      },
      end: () => {
        this.last.delete(key);
        inner?.end();
      },
    };
  }

  note(text: string): void {
    this.prefix = text ? `${text}: ` : '';
    this.inner?.note(text);
  }
}
