/**
 * What a running split job waits behind on its copy (its model on the plan's host), for its
 * estimate (split-eta.ts): the host's requests on the model now (loading/host-requests.ts queueOn)
 * as plain data — others' running and waiting, each its size (what it reads, what it is expected to
 * write) and turn, whose told by a key of this reading, never a name, nothing of a prompt — and
 * the job's own parts as the copy holds them: those let in since they were let in, those asked
 * still waiting for a slot by their turns. Nothing when no other work is on the copy: the job's
 * estimate is then as it is alone.
 */
import type { ModelQueue } from '../loading/host-requests.js';
import type { CopyQueue, EtaRequest } from './split-eta.js';

/** Others' requests waiting weighed, at most: those beyond wait behind the job's end long before. */
const MAX_WAITING = 256;

/** The job as the copy holds it: its mark, its client, its requests' limit, the copy's slots. */
export interface OwnWork {
  mark: object;
  client: string;
  tokens: number;
  slots: number;
}

type Started = EtaRequest & { startedAt: number };

/**
 * The job's parts running (`running`, as the job counts them: since each was asked) as the copy holds
 * them, and the copy's other work; `copy` undefined when there is none.
 */
export function copyQueue(
  q: ModelQueue,
  own: OwnWork,
  running: readonly Started[],
  now: number,
): { running: Started[]; copy?: CopyQueue } {
  const ours = (w: { work?: { of?: object } }) => w.work?.of === own.mark;
  const theirsRunning = q.running.filter((r) => !ours(r));
  const theirsWaiting = q.waiting.filter((w) => !ours(w)).slice(0, MAX_WAITING);
  if (theirsRunning.length === 0 && theirsWaiting.length === 0) return { running: [...running] };
  const keys = new Map<string, string>([[own.client, 'mine']]);
  const key = (client: string) => {
    if (!keys.has(client)) keys.set(client, `client ${keys.size}`);
    return keys.get(client)!;
  };
  // the job's parts in the order asked: the first let in (since they were), the latest asked waiting their turn
  const asked = [...running].sort((a, b) => a.startedAt - b.startedAt);
  const letIn = q.running.filter(ours).sort((a, b) => b.elapsedMs - a.elapsedMs);
  const atGate = q.waiting.filter(ours);
  const admitted = asked.slice(0, letIn.length).map((r, i) => ({ ...r, startedAt: now - letIn[i]!.elapsedMs }));
  const after = asked.slice(letIn.length);
  const waitingOwn = after.slice(Math.max(0, after.length - atGate.length));
  const turns = atGate.slice(atGate.length - waitingOwn.length);
  const size = (r: EtaRequest) => ({ promptTokens: r.promptTokens, answerTokens: r.answerTokens });
  const copy: CopyQueue = {
    slots: own.slots,
    mine: key(own.client),
    mineTokens: own.tokens,
    running: theirsRunning.map((r) => ({ ...size(r.work), startedAt: now - r.elapsedMs, client: key(r.client) })),
    waiting: [
      ...waitingOwn.map((r, i) => ({ ...size(r), ...turnOf(turns[i]!, key), own: true })),
      // one that said no work: a whole answer of its limit
      ...theirsWaiting.map((w) => ({
        ...size(w.work ?? { promptTokens: 0, answerTokens: w.tokens }),
        ...turnOf(w, key),
      })),
    ],
    lastServed: new Map([...q.lastServed].map(([c, n]) => [key(c), n])),
  };
  return { running: [...admitted, ...after.slice(0, after.length - waitingOwn.length)], copy };
}

/** A waiter's turn, whose by its key. */
const turnOf = (w: ModelQueue['waiting'][number], key: (client: string) => string) => ({
  client: key(w.client),
  tokens: w.tokens,
  arrival: w.arrival,
});
