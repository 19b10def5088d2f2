/**
 * Finishing inside the client's limit (issue 56, item 3), over plain data: when the route's first
 * candidate would not finish within the time the call has (its client's limit less the hand-over
 * margin: jobs/long-work.ts), the first candidate in the route's order that would goes first. The
 * order is the route's own (the best for the work first), so the model chosen is the best of those
 * that finish in time; when the first finishes in time the limit is not binding and nothing moves
 * (never a weaker model for nothing), and when none would, nothing moves either (the call is
 * handed over as a job and runs on with the best).
 *
 * Only a choice ollm-mcp made is traded for time, and only on what is known (issue 73): a model
 * the user chose (named, configured, preferred, made for the work) is served as chosen — handed
 * over when it outlasts the client — and so is a first candidate whose time is a guess (a speed not
 * yet measured here): the call teaches its speed, where moving it would teach nothing and starve
 * what learning chose. Times are as expected (answers as long as such answers ran), not the worst
 * case: the worst case plans the hand-over, not the model.
 */

/** One candidate's expected seconds, in the route's order. */
export interface Timed {
  seconds: number;
  /** Its time rests on speeds measured here, not assumed: only then does it truly outlast a limit. */
  measured: boolean;
  /** The user's choice: served as chosen, never traded for time. */
  chosen?: boolean | undefined;
}

/** The candidate that goes first instead of the first, with its time and the first's; undefined when nothing moves. */
export interface LimitFit {
  index: number;
  seconds: number;
  firstSeconds: number;
}

export function fitWithin(candidates: readonly Timed[], withinSeconds: number | undefined): LimitFit | undefined {
  const first = candidates[0];
  if (withinSeconds === undefined || !first || first.seconds <= withinSeconds) return undefined;
  // the user's choice is served as chosen; a guess about the first is no reason to pass it
  if (first.chosen || !first.measured) return undefined;
  // the first does not finish in time, so any that does is a later one
  const index = candidates.findIndex((c) => c.seconds <= withinSeconds);
  return index === -1 ? undefined : { index, seconds: candidates[index]!.seconds, firstSeconds: first.seconds };
}

/** What a shared first's time must shrink to for another to go instead. */
const SHARED_GAIN = 0.75;

/**
 * A first candidate whose copies take turns with other work (another split job's parts waiting for its slots)
 * gives way to the soonest other that finishes in three quarters of its time or less — as a routed call's busy
 * first model does (route/route-spread.ts) — when the turns are what make it slow: its time with them a third or
 * more over its time alone (`aloneSeconds`; unsaid, it takes turns with nothing). Only to one `ready`: loaded with
 * the window its parts need, or whose load with it fits beside what is loaded — nothing unloaded for it (on a host
 * whose memory holds one model at a time, a load would wait for the first's work to end; its load's time is in its
 * own). Not for the user's choice; never for nothing: the first alone,
 * held up little, or nothing ready sooner by that much, stays. Its speed may be a guess: the turns are not, and
 * the other job teaches it meanwhile.
 */
export function soonerThanShared(
  candidates: ReadonlyArray<Timed & { aloneSeconds?: number; ready?: boolean }>,
): LimitFit | undefined {
  const first = candidates[0];
  if (!first || first.chosen || first.aloneSeconds === undefined) return undefined;
  if (SHARED_GAIN * first.seconds < first.aloneSeconds) return undefined;
  return soonestOther(candidates, (c) => c.ready === true);
}

/**
 * The first's own model on more copies (issue 82, Deliver 1): where another copy of it is kept at a smaller window
 * (loaded so by other work; a part at the first's window would reload it from under that work), the job split to that
 * window runs on that copy's slots too — twice the parts and more combining, on twice the slots — and goes there when
 * that finishes in three quarters of the first's time or less (a 300 KB log's 26 parts at 8k on one copy's two slots
 * took 57 s while the other host's copy, kept at 4k, stood idle). The same model, so nothing of the work's quality is
 * traded, the user's choice of it included; the soonest such `spread` candidate. Only on speeds measured at both
 * places: a guess against a measure, or two guesses, is no reason to split finer (one host measured fast beside
 * another assumed a CPU's would look 100× sooner). The rules before it (the client's limit, the first's turns with
 * another job) go first: this one moves only what they keep.
 */
export function soonerOnMoreCopies(candidates: ReadonlyArray<Timed & { spread?: boolean }>): LimitFit | undefined {
  const first = candidates[0];
  if (!first?.measured) return undefined;
  return soonestOther(candidates, (c) => c.spread === true && c.measured);
}

/** The soonest candidate after the first that `may` go, in three quarters of the first's time or less. */
function soonestOther<T extends Timed>(candidates: readonly T[], may: (c: T) => boolean): LimitFit | undefined {
  const first = candidates[0]!;
  let index = -1;
  candidates.forEach((c, i) => {
    const sooner = c.seconds <= SHARED_GAIN * first.seconds && (index < 0 || c.seconds < candidates[index]!.seconds);
    if (i > 0 && may(c) && sooner) index = i;
  });
  return index < 0 ? undefined : { index, seconds: candidates[index]!.seconds, firstSeconds: first.seconds };
}

/**
 * The reason's clause: the first's model split finer, to run on more of its copies — the time of the way chosen only:
 * the other's may hold turns with other work, a figure the caller could not have run (sharedReason).
 */
export function spreadReason(fit: LimitFit, window: number, firstWindow: number): string {
  const s = (x: number) => (x < 10 ? x.toFixed(1) : String(Math.round(x)));
  return `its parts sized to ${window} tokens run on more of its copies than at ${firstWindow} (~${s(fit.seconds)} s)`;
}

/**
 * The reason's clause: a shared first passed for one sooner — its own time only: the first's, with the turns, is a
 * figure of the other work (whose it is, how much), which the caller did not ask and could not have run.
 */
export function sharedReason(fit: LimitFit, firstModel: string): string {
  const s = (x: number) => (x < 10 ? x.toFixed(1) : String(Math.round(x)));
  return `it finishes sooner (~${s(fit.seconds)} s): ${firstModel}, first for the work, takes turns with other work on its copies`;
}

/** The reason's clause: what the limit changed. */
export function limitReason(fit: LimitFit, firstModel: string, limitSeconds: number): string {
  const s = (x: number) => (x < 10 ? x.toFixed(1) : String(Math.round(x)));
  return (
    `it finishes within what your client waits (${s(limitSeconds)} s): ~${s(fit.seconds)} s, ` +
    `where ${firstModel}, first for the work, would take ~${s(fit.firstSeconds)} s as measured here`
  );
}
