/**
 * The route's third step: the candidates tried in order (at most MAX_ATTEMPTS, a host that is
 * not there passed over with its other models) — each loaded through its host's planner, its
 * answer streamed, and an answer no one can use set aside for the next; every attempt recorded in
 * the metrics and the model's track record. The first usable answer is the result.
 */
import { HostError } from '../engines/host-error.js';
import type { HostOverview } from '../fleet/placement.js';
import type { Attempt, RouteRequest, RouteResult } from '../generation/route-types.js';
import { streamGenerate, streamOptions, type StreamResult } from '../generation/stream.js';
import { degenerate, degenerateWhy, type AnswerEnd, type Given } from '../generation/degenerate.js';
import type { FormatVerdict } from '../generation/answer-format.js';
import type { LoadOutcome } from '../loading/loader.js';
import type { JobParts } from '../route/parts.js';
import type { Candidacy, Candidates } from '../route/route-candidates.js';
import { clientOf, slotsOf } from '../fleet/slots-of.js';
import type { Prepared } from '../route/route-prepare.js';
import { ownNumber } from '../models/model-settings.js';
import {
  believedCached,
  chainOf,
  learnHeld,
  prefixSlots,
  promptOwnerOf,
  promptText,
  shownCached,
} from '../fleet/prefix-sent.js';
import { loadCandidate, namedByCaller, noteFailure } from './route-load.js';
import { answered } from './route-answered.js';
import type { Trial } from './route-trial.js';

/** Models tried before giving up on local generation. */
const MAX_ATTEMPTS = 3;

/** The first usable answer of the candidates, or undefined when none gave one (or the call was cancelled). */
export async function tryCandidates(
  parts: JobParts,
  req: RouteRequest,
  ask: Prepared,
  list: Candidates,
  attempts: Attempt[],
  started: number,
): Promise<RouteResult | undefined> {
  const named = namedByCaller(req, list.models);
  const trial: Trial = {
    parts,
    req,
    ask,
    attempts,
    started,
    views: list.views,
    held: list.held,
    given: { texts: ask.system ? [ask.prompt, ask.system] : [ask.prompt], ask: ask.words },
    ...(named && { named: { model: named, loadFailed: false } }),
  };
  const down = new Set<string>();
  let tried = 0;
  for (let i = 0; ; i++) {
    const candidate = list.at(i);
    if (!candidate || req.signal?.aborted || tried >= MAX_ATTEMPTS) return undefined;
    const unit = list.unit(candidate.host);
    if (down.has(unit.host.name)) continue; // its other models are behind the same host
    if (trial.named?.loadFailed && candidate.model !== trial.named.model) continue; // the named model is that model or an error
    tried++;
    try {
      const result = await tryOne(trial, candidate, unit);
      if (result) return result;
    } catch (err) {
      if (req.signal?.aborted) throw err; // the client cancelled: stop, do not try others
      noteFailure(trial.named, candidate.model, err);
      if (failed(trial, candidate, unit, err)) down.add(unit.host.name);
    }
  }
}

/** The name an attempt goes by: with its host when there are several. */
const attemptName = (parts: JobParts, model: string, unit: HostOverview) =>
  parts.fleet.hosts.length > 1 ? `${model} on ${unit.host.name}` : model;

/** One candidate: loaded, asked, its answer judged; undefined when it was refused or its answer set aside (recorded in the attempts). */
async function tryOne(t: Trial, candidate: Candidacy, unit: HostOverview): Promise<RouteResult | undefined> {
  const { parts, req, ask } = t;
  const { host, overview: here } = unit;
  const loaded = await loadCandidate(
    host,
    {
      model: candidate.model,
      contextLength: ask.contextTokens,
      waitWhileBusy: true,
      ...(parts.settings.options.contextSize !== undefined && { baseContext: parts.settings.options.contextSize }),
      seen: here.loaded,
      seenAt: unit.loadedAt,
      ...(candidate === t.held && { held: true }),
      ...(req.signal && { signal: req.signal }),
      ...(req.progress && { progress: req.progress }),
    },
    t.named,
  );
  if (loaded.action === 'refused') {
    t.attempts.push({ model: candidate.model, error: loaded.reason });
    return undefined;
  }
  if (loaded.action === 'loaded') {
    const extra = extraCopyOf(candidate, unit, t.views);
    if (extra) t.parts.fleet.extraCopies?.made(candidate.model, unit.host.name, extra.of, extra.why);
  }
  // the kind of work (ask.work) is worked out when first needed: for a named model, while its answer streams
  const place = (): Place => ({ model: candidate.model, host: candidate.host, work: ask.work.profile });
  let drawn = await draw(t, candidate, unit, loaded, place);
  if (drawn.empty && samples(t, candidate, unit)) {
    // a model that samples may end before its first word by chance: it is asked once more, not passed over
    req.progress?.enter({ kind: 'starting', what: `${candidate.model} answered nothing; asking it once more` });
    drawn = await draw(t, candidate, unit, loaded, place);
  }
  if (drawn.thrown) {
    void parts.records.outcomes.record(place(), { kind: 'failure' }); // answered nothing, twice if it samples
    throw drawn.thrown;
  }
  const { out, verdict, unusable } = drawn;
  if (unusable) {
    t.attempts.push({
      model: attemptName(parts, candidate.model, unit),
      error: `its answer was set aside: ${unusable.why}`,
    });
    req.progress?.enter({ kind: 'fallback', from: t.attempts.at(-1)!.model, error: t.attempts.at(-1)!.error });
    parts.records.metrics.record({
      model: candidate.model,
      ok: false,
      latencyMs: out.totalMs,
      error: `answer set aside: ${unusable.why}`,
    });
    void parts.records.outcomes.record(place(), { kind: 'failure' });
    return undefined;
  }
  return answered(t, candidate, unit, loaded, out, verdict);
}

type Place = { model: string; host: string | undefined; work: Prepared['work']['profile'] };

type Beside = Pick<Candidacy, 'model' | 'besideBusy' | 'besideWhy'>;
type Extra = { of: string; why: string };

/**
 * A copy just loaded here is an extra one for a rush (fleet/extra-copies.ts, released when idle) when the
 * candidate was moved here because the copy loaded on another host was busy (route-candidates.ts
 * spreadBusy), or its slots held others' recent prompts (route-affinity.ts, `besideWhy`) — and only
 * where ollm-mcp loads and unloads (never on an engine that does it itself).
 */
export function extraCopyOf(candidate: Beside, unit: HostOverview, views: readonly HostOverview[]): Extra | undefined {
  if (candidate.besideBusy === undefined || !unit.host.engine.can.managesMemory) return undefined;
  const other = views.find(
    (v) =>
      v.host.name === candidate.besideBusy &&
      v.host !== unit.host &&
      v.overview.loaded.some((l) => l.name === candidate.model),
  );
  if (!other) return undefined;
  if (candidate.besideWhy !== undefined) return { of: other.host.name, why: candidate.besideWhy };
  const n = other.host.loader.requestsOn(candidate.model);
  return {
    of: other.host.name,
    why: `the copy on ${other.host.name} was busy${n > 0 ? ` with ${n} request${n === 1 ? '' : 's'}` : ''}`,
  };
}

/** One answer of the candidate, judged (`empty`: nothing but whitespace and punctuation, or no word at all). */
type Drawn =
  | { empty: boolean; thrown: HostError; out?: undefined }
  | {
      empty: boolean;
      thrown?: undefined;
      out: StreamResult;
      verdict: FormatVerdict | undefined;
      unusable: SetAside | undefined;
    };

async function draw(
  t: Trial,
  candidate: Candidacy,
  unit: HostOverview,
  loaded: LoadOutcome,
  place: () => Place,
): Promise<Drawn> {
  const { parts, req, ask } = t;
  let out: StreamResult;
  try {
    out = await generate(t, candidate, unit, loaded, place);
  } catch (err) {
    if (err instanceof HostError && err.kind === 'empty_answer') return { empty: true, thrown: err };
    throw err;
  }
  parts.records.metrics.recordPromptCount(candidate.model, ask.estimated, out.promptTokens);
  // an answer no one can use (empty, looping, cut in its first sentence, or citing what is not there) goes to the next candidate
  const verdict = req.format?.check(out.text);
  const unusable = setAside(out.text, { doneReason: out.doneReason, given: givenTo(t, candidate, unit) }, req, verdict);
  return { empty: unusable?.kind === 'empty', out, verdict, unusable };
}

/**
 * What this candidate read: the prompt and ollm-mcp's system prompt, and the model's own system
 * prompt (its Modelfile's, a preset's) unless the caller's replaced it (stream.ts streamOptions).
 */
function givenTo(t: Trial, candidate: Candidacy, unit: HostOverview): Given {
  const own = unit.overview.models.find((m) => m.name === candidate.model)?.own?.system;
  return own && t.req.system === undefined ? { ...t.given, texts: [...t.given.texts, own] } : t.given;
}

/** The answer streamed from the loaded model, the request marked running on it meanwhile; a failure counts in its track record. */
async function generate(
  t: Trial,
  candidate: Candidacy,
  unit: HostOverview,
  loaded: LoadOutcome,
  place: () => Place,
): Promise<StreamResult> {
  const { parts, req, ask } = t;
  const { host, overview: here } = unit;
  // one of its slots, by turns with other clients' requests (loading/slot-gate.ts); what it may write: how long others wait behind it (route-candidates.ts)
  const done = await host.loader.admit(candidate.model, {
    client: clientOf(req),
    tokens: ask.maxTokens,
    slots: slotsOf(host),
    signal: req.signal,
    progress: req.progress,
  });
  try {
    // where this prompt now sits: what the next request of its kind is placed by with several hosts (route-affinity.ts), and
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
    const model = here.models.find((m) => m.name === candidate.model);
    const own = { own: model?.own, system: ask.system, callerSystem: req.system !== undefined };
    const out = await streamGenerate(host.engine, {
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
      ahead: done.ahead,
      ...(req.signal && { signal: req.signal }),
      ...(req.progress && { progress: req.progress }),
      // at the first token the kind of work is worked out (route.ts prepare: it waits to be needed), while the engine writes the rest
      onToken: (n: number) => {
        if (n === 1) void ask.work;
        req.onProgress?.(n, candidate.model);
      },
    });
    const images = (req.images?.length ?? 0) > 0;
    learnHeld(host, sent, ask, out, images); // what its engine held of it, against what was believed
    const believed = believedCached(sent, ask, out, images);
    // what the engine held is told its owner only as far as its own prompts left it there: never how far another's matched
    const shown = shownCached(sent, ask, out);
    const cache = shown === undefined ? {} : { cachedPromptTokens: shown, engineCachedTokens: out.cachedPromptTokens };
    return {
      ...out,
      ...cache,
      queueMs: out.queueMs + done.waitedMs,
      ...(believed !== undefined && { believedCachedTokens: believed }),
    }; // waiting for a slot here is queueing too
  } catch (err) {
    // what happened to the answer counts in the model's track record here (not a cancel, not memory)
    if (
      !req.signal?.aborted &&
      !(
        err instanceof HostError &&
        (err.kind === 'out_of_memory' || err.kind === 'aborted' || err.kind === 'empty_answer')
      )
    ) {
      void parts.records.outcomes.record(place(), {
        kind: err instanceof HostError && err.kind === 'timeout' ? 'timeout' : 'failure',
      });
    }
    // Out of memory while generating: Ollama expires every loaded model, pins included.
    if (err instanceof HostError && err.kind === 'out_of_memory') {
      const note = await host.loader.recoverFromOutOfMemory(
        here.loaded.map((l) => ({ name: l.name, context_length: l.contextLength })),
      );
      if (note) throw new HostError(err.kind, `${err.message} ${note}`, err.host, err.status);
    }
    throw err;
  } finally {
    done();
    parts.fleet.extraCopies?.used(host.name, candidate.model);
  }
}

/** A candidate that failed: recorded in the attempts and metrics; true when its host is not there (it rests, with several hosts). */
function failed(t: Trial, candidate: Candidacy, unit: HostOverview, err: unknown): boolean {
  const { parts, req, attempts } = t;
  const message = err instanceof Error ? err.message : String(err);
  attempts.push({ model: attemptName(parts, candidate.model, unit), error: message });
  req.progress?.enter({ kind: 'fallback', from: attempts.at(-1)!.model, error: message });
  parts.records.metrics.record({ model: candidate.model, ok: false, latencyMs: 0, error: message });
  if (!(err instanceof HostError && err.kind === 'unreachable')) return false;
  if (parts.fleet.hosts.length > 1) parts.fleet.hostCooldown.down(unit.host.name, message);
  return true;
}

type SetAside = { why: string; kind?: 'empty' };

/**
 * Why an answer is set aside, or undefined: not of the format the caller asked for (not JSON, or
 * breaking its schema); degenerate (generation/degenerate.ts: empty — not for JSON, where [] or {}
 * is an answer —, a loop of its own, or — only when the caller set no maxTokens, a cut at their own
 * limit being what they asked for — cut in its first sentence); or failing the caller's own check
 * (offload: most citations do not hold).
 */
function setAside(
  text: string,
  end: AnswerEnd,
  req: RouteRequest,
  verdict: FormatVerdict | undefined,
): SetAside | undefined {
  if (verdict && !verdict.ok) return { why: verdict.why };
  const bad = degenerate(text, end);
  if (bad && !(bad.kind === 'cut' && req.maxTokens !== undefined) && !(bad.kind === 'empty' && verdict))
    return { why: degenerateWhy(bad), ...(bad.kind === 'empty' && { kind: 'empty' as const }) };
  const why = req.check?.(text);
  return why === undefined ? undefined : { why };
}

/** Whether the candidate draws its words at random: not when the call, the settings or the model's own settings set temperature 0. */
function samples(t: Trial, candidate: Candidacy, unit: HostOverview): boolean {
  const own = unit.overview.models.find((m) => m.name === candidate.model)?.own;
  const temperature = t.req.temperature ?? t.parts.settings.options.temperature ?? ownNumber(own, 'temperature');
  return temperature !== 0;
}
