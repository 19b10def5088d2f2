/**
 * The route's third step: the candidates tried in order (at most MAX_ATTEMPTS, a host that is
 * not there passed over with its other models) — each loaded through its host's planner, its
 * answer streamed, and an answer no one can use set aside for the next; every attempt recorded in
 * the metrics and the model's track record. The first usable answer is the result. The stream is
 * route-generate.ts, what is set aside route-aside.ts, an extra copy for a rush route-extra.ts.
 */
import { HostError } from '../engines/host-error.js';
import type { HostOverview } from '../fleet/placement.js';
import type { Attempt, RouteRequest, RouteResult } from '../generation/route-types.js';
import type { StreamResult } from '../generation/stream.js';
import type { FormatVerdict } from '../generation/answer-format.js';
import type { LoadOutcome } from '../loading/loader.js';
import type { JobParts } from '../route/parts.js';
import type { Candidates } from '../fleet/copies.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import type { Prepared } from '../route/route-prepare.js';
import { ownNumber } from '../models/model-settings.js';
import { keepsFoundWindow } from '../fleet/kept-window.js';
import { loadCandidate, namedByCaller, noteFailure } from './route-load.js';
import { answered } from './route-answered.js';
import type { Trial } from './route-trial.js';
import { extraCopyOf } from './route-extra.js';
import { givenTo, setAside, type AnswerAside } from './route-aside.js';
import { generate, type AttemptPlace } from './route-generate.js';

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
    // the named model is that model or an error
    if (trial.named?.loadFailed && candidate.model !== trial.named.model) continue;
    tried++;
    try {
      const result = await tryOne(trial, candidate, unit, keepsFoundWindow(list.models, candidate));
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

/**
 * One candidate: loaded, asked, its answer judged; undefined when it was refused or its answer set aside
 * (recorded in the attempts).
 */
async function tryOne(
  t: Trial,
  candidate: Candidacy,
  unit: HostOverview,
  keepWindow: boolean,
): Promise<RouteResult | undefined> {
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
      // a reload the route did not weigh, where another copy serves: refused, the next candidate tried
      ...(keepWindow && { keepWindow }),
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
  const place = (): AttemptPlace => ({ model: candidate.model, host: candidate.host, work: ask.work.profile });
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

/** One answer of the candidate, judged (`empty`: nothing but whitespace and punctuation, or no word at all). */
type Drawn =
  | { empty: boolean; thrown: HostError; out?: undefined }
  | {
      empty: boolean;
      thrown?: undefined;
      out: StreamResult;
      verdict: FormatVerdict | undefined;
      unusable: AnswerAside | undefined;
    };

async function draw(
  t: Trial,
  candidate: Candidacy,
  unit: HostOverview,
  loaded: LoadOutcome,
  place: () => AttemptPlace,
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
  // an answer no one can use (empty, looping, cut in its first sentence, or citing what is not there) goes to
  // the next candidate
  const verdict = req.format?.check(out.text);
  const unusable = setAside(out.text, { doneReason: out.doneReason, given: givenTo(t, candidate, unit) }, req, verdict);
  return { empty: unusable?.kind === 'empty', out, verdict, unusable };
}

/**
 * A candidate that failed: recorded in the attempts and metrics; true when its host is not there (it rests,
 * with several hosts).
 */
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

/**
 * Whether the candidate draws its words at random: not when the call, the settings or the model's own
 * settings set temperature 0.
 */
function samples(t: Trial, candidate: Candidacy, unit: HostOverview): boolean {
  const own = unit.overview.models.find((m) => m.name === candidate.model)?.own;
  const temperature = t.req.temperature ?? t.parts.settings.options.temperature ?? ownNumber(own, 'temperature');
  return temperature !== 0;
}
