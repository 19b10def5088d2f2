/**
 * The reporter of the call in progress, for work far below it that has no reporter passed down —
 * a write to the state database waiting for another process's lock says so as a phase of the call
 * that asked for the write. Carried with AsyncLocalStorage, so it follows the call's own
 * continuations and no other call's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PhaseReporter } from './progress.js';

const current = new AsyncLocalStorage<PhaseReporter>();

/** Runs `fn` with `reporter` as the current call's reporter (none: `fn` runs as it is). */
export function reportingTo<T>(reporter: PhaseReporter | undefined, fn: () => T): T {
  return reporter ? current.run(reporter, fn) : fn();
}

/** The reporter of the call this code runs for, when its client asked for progress. */
export function currentReporter(): PhaseReporter | undefined {
  return current.getStore();
}
