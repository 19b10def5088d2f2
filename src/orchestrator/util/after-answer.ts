/**
 * Work that can follow a call's answer — its records and what is learned from it — run once the answer has
 * gone out (issue 82, Deliver 3). A quick call's answer is written in the same turn of the event loop as the
 * engine's last line came in (a chain of promise callbacks, no wait on I/O), and this runs in that turn's
 * check phase (setImmediate): after the answer is written, and before any request that could follow it is
 * read (those arrive in a later turn's poll phase). Where a wait on I/O does come between (a slow path), the
 * work runs at that wait, as it would have run before. A failure is logged, never thrown at the caller.
 */
import { log } from './log.js';

export function afterAnswer(what: string, work: () => void): void {
  setImmediate(() => {
    try {
      work();
    } catch (err) {
      log.warn(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
