/** What every transport does around serving: the start-up chores, and a bounded, clean stop. */
import v8 from 'node:v8';
import type { Serving } from './serving.js';

/**
 * A server that sits beside the user's models should stay small and quiet: every MB it holds is a
 * MB a model cannot use, every ms of CPU one an engine on the same cores cannot. V8 otherwise
 * doubles its young generation under bursts of allocation and sizes the heap for speed; the first
 * two flags, which take effect for later heap growth when set at run time, keep RSS after a
 * hundred list_models calls ~7 MB lower at no measurable cost per call (bench/startup prints
 * both). The last two change how much code V8 compiles: a function waits 8× longer before
 * TurboFan compiles it, and no baseline (Sparkplug) code is made. A call's glue (routing, checks,
 * the SDK) is lukewarm code whose compilation, on a background thread, cost more than it saved:
 * the CPU of a generation call fell from ~3.4 to ~2.9 ms and the resident set by ~3 MB
 * (bench/peer), while the loops that run long (the answer checks over a 10,000-token answer,
 * which bench/answer-checks times under these flags) still get compiled within their first run.
 * Model work happens in the engine, not in this process.
 */
export function keepHeapSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--optimize-for-size');
  v8.setFlagsFromString('--interrupt-budget=540672'); // V8's default is 67584
  v8.setFlagsFromString('--no-sparkplug');
}

/** The whole stop may take this long; the process exits then whatever is left. */
const EXIT_WITHIN_MS = 1800;

/**
 * On SIGINT/SIGTERM (and `also`, e.g. stdin closing): work in flight is cancelled (Ollama streams
 * closed), pins released and state written, then the transport closes and the process exits.
 */
export function stopOn(
  serving: Pick<Serving, 'stop'>,
  closeTransport: () => Promise<void>,
  also?: (stop: () => void) => void,
): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), EXIT_WITHIN_MS).unref();
    void serving
      .stop(EXIT_WITHIN_MS - 300)
      .then(closeTransport)
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  // Kept for the life of the process (not `once`): a second signal during the stop changes nothing.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  also?.(stop);
}
