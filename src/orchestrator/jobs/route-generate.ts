/**
 * A candidate's answer (route-attempt.ts) streamed from its loaded model: in one of its slots, by
 * turns with other clients' requests; where the prompt now sits noted for the prefix memory, and
 * what the engine held of it learned and told its owner; a failure counted in the model's track
 * record, and an engine out of memory made room again.
 */
import { HostError } from '../engines/host-error.js';
import type { HostOverview } from '../fleet/placement.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import type { Sent } from '../fleet/prefix-memory.js';
import { streamGenerate, streamOptions, type StreamResult } from '../generation/stream.js';
import type { LoadOutcome } from '../loading/loader.js';
import type { RequestWork } from '../loading/in-flight.js';
import { expectedAnswerTokens, lengthKey, typicalAnswerTokens } from '../generation/answer-length.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import type { Prepared } from '../route/route-prepare.js';
import { clientOf, slotsOf } from '../fleet/slots-of.js';
import {
  believedCached,
  chainOf,
  learnHeld,
  prefixSlots,
  promptOwnerOf,
  promptText,
  shownCached,
} from '../fleet/prefix-sent.js';
import type { Trial } from './route-trial.js';

/** Where an attempt's outcome counts in the model's track record. */
export type AttemptPlace = { model: string; host: string | undefined; work: Prepared['work']['profile'] };

/**
 * The answer streamed from the loaded model, the request marked running on it meanwhile; a failure counts in
 * its track record.
 */
export async function generate(
  t: Trial,
  candidate: Candidacy,
  unit: HostOverview,
  loaded: LoadOutcome,
  place: () => AttemptPlace,
): Promise<StreamResult> {
  const { parts, req, ask } = t;
  const { host } = unit;
  // one of its slots, by turns with other clients' requests (loading/slot-gate.ts); what it may write: how
  // long others wait behind it (route-candidates.ts); what it reads and is expected to write: how long a
  // running job waits behind it (split-pace.ts)
  const done = await host.loader.admit(candidate.model, {
    client: clientOf(req),
    tokens: ask.maxTokens,
    work: workOf(t, host, candidate.model),
    slots: slotsOf(host),
    signal: req.signal,
    progress: req.progress,
  });
  try {
    // where this prompt now sits: what the next request of its kind is placed by with several hosts
    // (fleet/copy-affinity.ts), and
    // what an engine that says nothing of its cache is believed to have read again, for the speed learned
    const sent = host.prefixes.note(
      promptOwnerOf(req),
      candidate.model,
      chainOf(ask),
      prefixSlots(host),
      Date.now(),
      promptText(ask),
    );
    if (parts.fleet.hosts.length > 1) parts.fleet.extraCopies?.used(host.name, candidate.model);
    const out = await stream(t, candidate, unit, loaded, done.ahead);
    return held(t, host, sent, out, done.waitedMs);
  } catch (err) {
    noteFailed(t, place, err);
    // Out of memory while generating: Ollama expires every loaded model, pins included.
    if (err instanceof HostError && err.kind === 'out_of_memory') throw await recovered(unit, err);
    throw err;
  } finally {
    done();
    parts.fleet.extraCopies?.used(host.name, candidate.model);
  }
}

/**
 * What the request reads and is expected to write on `model` — its answer as long as such answers ran
 * there (generation/answer-length.ts), within its limit; a split job's part or earlier combination as
 * those ran (learned apart from the task's answers) — and the job it is one of.
 */
function workOf(t: Trial, host: FleetHost, model: string): RequestWork {
  const { parts, req, ask } = t;
  const key = req.answerKind ? lengthKey(req.task ?? ask.work.task, req.answerKind) : req.task;
  const learned = parts.records.speeds?.at(host.name, model, key) ?? {};
  const answerTokens = expectedAnswerTokens(ask.maxTokens, learned, typicalAnswerTokens(req.task));
  return { promptTokens: ask.promptTokens, answerTokens, ...(req.partOf && { of: req.partOf }) };
}

/** The engine's answer to the candidate's request, `ahead` of it in the slot's turns. */
function stream(
  t: Trial,
  candidate: Candidacy,
  unit: HostOverview,
  loaded: LoadOutcome,
  ahead: () => number,
): Promise<StreamResult> {
  const { parts, req, ask } = t;
  const { host, overview: here } = unit;
  const model = here.models.find((m) => m.name === candidate.model);
  const own = { own: model?.own, system: ask.system, callerSystem: req.system !== undefined };
  const answer = streamGenerate(host.engine, {
    ...streamOptions(parts.settings, loaded, {
      capabilities: model?.capabilities ?? [],
      maxTokens: req.maxTokens,
      settled: ask.answer, // the call's limit as its plan settled it (route/call-plan.ts)
      temperature: req.temperature,
      ...own,
    }),
    prompt: ask.prompt,
    ...(req.images && { images: req.images }),
    ...(req.format && { format: req.format.format }),
    ...(req.agent !== undefined && { agent: req.agent }),
    owner: promptOwnerOf(req),
    ...(req.relayed && { relayed: true }),
    promptTokens: ask.promptTokens,
    ahead,
    ...(req.signal && { signal: req.signal }),
    ...(req.progress && { progress: req.progress }),
    // at the latest at the first token the kind of work is worked out (route.ts prepare: it waits to be
    // needed), while the engine writes the rest
    onToken: (n: number) => {
      if (n === 1) void ask.work;
      req.onProgress?.(n, candidate.model);
    },
  });
  // the request is on its way (sent in this turn of the event loop): the kind of work the answer's result
  // names is worked out while the engine reads the prompt, not after its first token
  setImmediate(workOutWork, ask);
  return answer;
}

/** The call's kind of work worked out now (a getter kept once worked out); a failure is met again where read. */
function workOutWork(ask: Prepared): void {
  try {
    void ask.work;
  } catch {
    // read again at the first token and in the result, which say what failed
  }
}

/** The answer with what its engine held of the prompt, as far as its owner is told it, and the wait for a slot. */
function held(t: Trial, host: FleetHost, sent: Sent, out: StreamResult, waitedMs: number): StreamResult {
  const { req, ask } = t;
  const images = (req.images?.length ?? 0) > 0;
  learnHeld(host, sent, ask, out, images); // what its engine held of it, against what was believed
  const believed = believedCached(sent, ask, out, images);
  // what the engine held is told its owner only as far as its own prompts left it there: never how far
  // another's matched
  const shown = shownCached(sent, ask, out);
  const cache = shown === undefined ? {} : { cachedPromptTokens: shown, engineCachedTokens: out.cachedPromptTokens };
  return {
    ...out,
    ...cache,
    queueMs: out.queueMs + waitedMs,
    ...(believed !== undefined && { believedCachedTokens: believed }),
  }; // waiting for a slot here is queueing too
}

/** What happened to the answer counts in the model's track record here (not a cancel, not memory). */
function noteFailed(t: Trial, place: () => AttemptPlace, err: unknown): void {
  if (
    !t.req.signal?.aborted &&
    !(
      err instanceof HostError &&
      (err.kind === 'out_of_memory' || err.kind === 'aborted' || err.kind === 'empty_answer')
    )
  ) {
    void t.parts.records.outcomes.record(place(), {
      kind: err instanceof HostError && err.kind === 'timeout' ? 'timeout' : 'failure',
    });
  }
}

/** The host's models released after its engine ran out of memory: the error, with what was done when anything was. */
async function recovered(unit: HostOverview, err: HostError): Promise<HostError> {
  const note = await unit.host.loader.recoverFromOutOfMemory(
    unit.overview.loaded.map((l) => ({ name: l.name, context_length: l.contextLength })),
  );
  return note ? new HostError(err.kind, `${err.message} ${note}`, err.host, err.status) : err;
}
