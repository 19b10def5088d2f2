/**
 * A load for work refused only because requests are running on the models that would have to go
 * (the planner's `waitFor`) waits for one of them to end and is planned again — at most
 * BUSY_WAIT_MS in all, or until the request is cancelled; never an unload under a request. A wait
 * never waits on requests that cannot end before it: those of the load's own job (compare holds
 * each model of a group while the group loads, issue 55 finding 10) wait on this very load, so
 * when one of the models to go is held by them the refusal stands at once, saying so (its
 * `waitFor` names them: the job knows its own).
 *
 * Before its turn (room-waits.ts untilTurn) a model whose last request ended a moment ago still
 * counts as busy (in-flight.ts LINGER_MS: left to the request likely coming next); once the turn
 * has come — the wait wakes then — it does not: that next request waits behind this load now.
 *
 * The wait is a state of the load (load-state.ts): waitingForBusy, saying for which requests, then
 * pending again to be planned anew.
 */
import type { InFlight } from './in-flight.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';
import { LoadStates } from './load-states.js';

/** The longest a load waits for requests on the models it needs gone to end, before it is refused. */
const BUSY_WAIT_MS = 10 * 60_000;

/**
 * `loadOnce(req)`, again each time a request on a model it waits for ends (`untilTurn`: ms until its
 * turn comes, Infinity where it never does; `states`: the loads' states, moved as it waits).
 */
export async function loadWhenIdle(
  req: LoadRequest,
  loadOnce: (req: LoadRequest) => Promise<LoadOutcome>,
  running: InFlight,
  tagged: (name: string) => string,
  untilTurn: () => number = () => Infinity,
  states = new LoadStates(),
): Promise<LoadOutcome> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    const out = await loadOnce(req);
    const left = deadline - Date.now();
    if (
      out.action !== 'refused' ||
      !out.waitFor?.length ||
      !req.waitWhileBusy ||
      req.dryRun ||
      left <= 0 ||
      req.signal?.aborted
    )
      return out;
    const own = req.job ? out.waitFor.filter((m) => running.heldBy(tagged(m), req.job!)) : [];
    if (own.length > 0) return besideOwn(out, own);
    const turn = untilTurn();
    const mine = turn === 0 ? '; its turn has come: new requests there wait behind this load' : '';
    states.move(req, 'waitForBusy', `a request on ${out.waitFor.join(', ')} to finish, to make room${mine}`);
    await running.idle(
      out.waitFor.map(tagged),
      turn > 0 ? Math.min(left, turn) : left,
      req.signal,
      () => untilTurn() > 0,
    );
    if (req.signal?.aborted) return out; // cancelled while waiting: the refusal stands
    states.move(req, 'wake');
  }
}

/** The refusal of a model that does not fit beside models its own job holds for it. */
function besideOwn(out: LoadOutcome, own: string[]): LoadOutcome {
  const held = own.length === 1 ? `${own[0]} is` : `${own.join(', ')} are`;
  return {
    ...out,
    reason:
      `${out.reason} ${held} held by this same job, waiting on this load, so it was not waited ` +
      `for: ${out.model} cannot be resident beside ${own.length === 1 ? 'it' : 'them'}.`,
  };
}
