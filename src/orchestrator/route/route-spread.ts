/**
 * A routed call whose first model is busy goes to another model that answers sooner without
 * unloading anything (shareBusy) — never when that model is the user's choice, which waits its turn
 * as a named one does. route-ranked.ts orders a request's candidates with it, after the copies of
 * a model are spread over its hosts (fleet/copy-spread.ts).
 */
import { othersAt, type HostOverview } from '../fleet/placement.js';
import { othersAsRequests, othersCount } from '../fleet/others-load.js';
import { isFull, type Candidacy } from '../fleet/copy-spread.js';
import type { Candidate } from '../fleet/windows.js';
import { expectedAnswerTokens, typicalAnswerTokens } from '../generation/answer-length.js';
import { evidenceFor } from '../generation/learning.js';
import { fairChoice, type Contender } from '../generation/schedule.js';
import { answerLimit } from '../generation/stream.js';
import { findModel } from '../models/catalog.js';
import type { ProfileName, TaskType } from '../config/profiles.js';
import type { JobParts } from './parts.js';

/** What shareBusy weighs a call's candidates with. */
interface ShareFacts {
  models: readonly Candidate[];
  unit(host: string | undefined): HostOverview;
  coldLoadMs: ReadonlyMap<string, number>;
  /** The call's answer limit: its bound. */
  maxTokens: number;
  profile: ProfileName;
  task: TaskType;
  client: string;
}

/**
 * A candidate as the schedule weighs it: its slots' requests, its speed here, and the answer it is expected
 * to write.
 */
function contenderOf(parts: JobParts, q: Candidacy, c: ShareFacts): Contender {
  const { host } = c.unit(q.host);
  const m = c.models.find((x) => x.name === q.model && x.host === q.host) ?? findModel(c.models, q.model);
  const seen = evidenceFor(parts.records.outcomes.evidence(), { model: q.model, host: q.host, work: c.profile });
  // the dry run's speed (this work's record here), else what the metrics measured of the model
  const measured =
    seen && seen.speedSamples > 0 ? seen.tokensPerSecond : parts.records.metrics.all()[q.model]?.avgTokensPerSecond;
  const cold = c.coldLoadMs.get(q.model);
  const typical = answerLimit(undefined, parts.settings);
  const others = othersAt(c.unit(q.host), q.model);
  const theirs = othersAsRequests(others, typical);
  const ours = host.loader.inFlight(q.model).map((r) => ({ elapsedMs: r.elapsedMs, tokens: r.tokens ?? typical }));
  // those in flight (ours, then other clients' on its engine), then those waiting for a slot that this
  // client's call would wait behind (loading/slot-gate.ts, the engine's queue)
  const ahead = host.loader
    .waitingAhead(q.model, c.client, c.maxTokens)
    .map((w) => ({ elapsedMs: 0, tokens: w.tokens }));
  const learned = parts.records.speeds?.at(host.name, q.model, c.task) ?? {};
  return {
    model: q.model,
    host: q.host,
    loaded: m?.loaded ?? false,
    fitsFree: m?.fitsNow ?? false,
    running: [...ours, ...theirs.running, ...ahead, ...theirs.waiting],
    slots: others.slots ?? host.settings.ollama.numParallel,
    sizeBytes: m?.sizeBytes ?? 0,
    answerTokens: expectedAnswerTokens(c.maxTokens, learned, typicalAnswerTokens(c.task)),
    ...(m?.parameterSize !== undefined && { parameterSize: m.parameterSize }),
    ...(cold !== undefined && { coldLoadSeconds: cold / 1000 }),
    ...(measured !== undefined && { tokensPerSecond: measured }),
  };
}

/**
 * When the first candidate's slots are all taken, the candidate that answers sooner without
 * unloading anything goes first (generation/schedule.ts), its reason saying why — unless the first
 * is the user's choice: it is served as chosen, its turn taken on its slots.
 */
export function shareBusy(parts: JobParts, queue: Candidacy[], c: ShareFacts): void {
  // a free slot, or the user's choice: nothing to weigh
  if (queue.length < 2 || queue[0]!.chosen || !isFull(c.unit(queue[0]!.host), queue[0]!.model)) return;
  const contenders = queue.map((q) => contenderOf(parts, q, c));
  const moved = fairChoice(contenders, c.maxTokens);
  if (!moved) return;
  const busy = contenders[0]!;
  const [chosen] = queue.splice(moved.index, 1);
  const secs = (s: number) => (s < 10 ? s.toFixed(1) : String(Math.round(s)));
  const load = moved.loadSeconds > 0 ? `, ${secs(moved.loadSeconds)} s of it loading beside the others` : '';
  const theirs = othersCount(othersAt(c.unit(busy.host), busy.model));
  const ofOthers = theirs > 0 ? ` (${theirs} of them of other clients on its engine)` : '';
  const slots =
    `${busy.slots === 1 ? 'its slot is' : `its ${busy.slots} slots are`} answering ` +
    `${busy.running.length} ${busy.running.length === 1 ? 'request' : 'requests'}${ofOthers}`;
  queue.unshift({
    ...chosen!,
    why:
      `${chosen!.why}; it answers sooner than ${busy.model}, ${slots} (~${secs(moved.seconds)} s ` +
      `here${load}, against ~${secs(moved.waitSeconds)} s of waiting + ` +
      `${secs(moved.busySeconds - moved.waitSeconds)} s there)`,
  });
}
