/**
 * The client's name of each 2025-era HTTP session, by the session id given at its initialize
 * (http-cancel.ts): every later request of the session is served by a server of its own, which
 * never saw initialize, so the name is passed to it (presenting/calling-agent.ts, bindCaller). Bounded: the
 * oldest sessions are forgotten first (a forgotten session's calls count as agent "unknown").
 */
import { initializeName } from '../tools/agent.js';

/** The most sessions whose client's name is remembered. */
export const MAX_NAMED_SESSIONS = 10_000;

export class SessionNames {
  private readonly names = new Map<string | undefined, string>(); // only ids are noted: undefined finds nothing

  constructor(private readonly max = MAX_NAMED_SESSIONS) {}

  /** An initialize answered with session id `id`: its client's name is kept for the session's later requests. */
  note(message: unknown, id: unknown): void {
    const name = initializeName(message);
    if (name === undefined || typeof id !== 'string') return;
    this.names.delete(id);
    this.names.set(id, name);
    if (this.names.size > this.max) this.names.delete(this.names.keys().next().value!);
  }

  of(session: string | undefined): string | undefined {
    return this.names.get(session);
  }

  get size(): number {
    return this.names.size;
  }
}
