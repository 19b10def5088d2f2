/**
 * A candidate's usable answer (route-attempt.ts): recorded — the metrics, the track record, the
 * speeds and answer lengths learned on its host, once the answer has gone out — and made the route's
 * result, with its reason.
 */
import type { HostOverview } from '../fleet/placement.js';
import type { RouteResult } from '../generation/route-types.js';
import type { StreamResult } from '../generation/stream.js';
import type { FormatVerdict } from '../generation/answer-format.js';
import type { LoadOutcome } from '../loading/loader.js';
import { engineTimes, speedSample } from '../generation/speed-sample.js';
import { lengthKey } from '../generation/answer-length.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import type { Trial } from './route-trial.js';
import { reloadPaidWhy, reloadWhy, tokensInWords } from '../fleet/kept-window.js';
import { isModel } from '../engines/model-names.js';
import { afterAnswer } from '../util/after-answer.js';

/** A usable answer: recorded, and the result with its reason, metrics and notes. */
export function answered(
  t: Trial,
  candidate: Candidacy,
  unit: HostOverview,
  loaded: LoadOutcome,
  out: StreamResult,
  verdict: FormatVerdict | undefined,
): RouteResult {
  const { parts, ask, attempts } = t;
  const { host } = unit;
  const { task, profile, complexity, how } = ask.work;
  const place = { model: candidate.model, host: candidate.host, work: profile };
  const loadMs = (loaded.loadMs ?? 0) + out.loadMs;
  const total = Math.round(performance.now() - t.started);
  // the metrics, the track record and the speeds learned are recorded once the call's answer has gone out
  // (util/after-answer.ts): nothing the answer says waits for them, and they are in before the next request;
  // a split job's part records at once, as the job's pace reads what its parts ran at
  const records = t.req.partOf ? (_: string, work: () => void) => work() : afterAnswer;
  records('recording an answer', () => {
    parts.records.metrics.record({
      model: candidate.model,
      ok: true,
      latencyMs: out.totalMs,
      outputTokens: out.outputTokens,
      tokensPerSecond: out.tokensPerSecond,
      loadMs,
    });
    void parts.records.outcomes.record(
      place,
      { kind: 'speed', tokensPerSecond: out.tokensPerSecond },
      ...(out.doneReason === 'length' ? [{ kind: 'cut' as const }] : []),
    );
    // the prompt time of an engine that says nothing of its cache covers only what it read again: what it is
    // believed to have held is left out of the rate
    // answers' lengths are learned per task; the model's size lets the host's speed stand for models not yet
    // measured there
    const size = unit.overview.models.find((m) => m.name === candidate.model)?.sizeBytes;
    const sample = speedSample(
      { ...out, cachedPromptTokens: out.engineCachedTokens ?? out.believedCachedTokens },
      total - loadMs - out.queueMs,
      lengthKey(task, t.req.answerKind),
      size,
    );
    void parts.records.speeds?.record(host.name, candidate.model, sample);
  });
  const answerId = parts.records.outcomes.answered(place);
  const many = parts.fleet.hosts.length > 1;
  const raised = loaded.contextRaisedFrom ? `; ${reloadedBecause(t, candidate.model, loaded)}` : '';
  const after = attempts.length ? `, after ${attempts.length} failed attempt${attempts.length > 1 ? 's' : ''}` : '';
  const result: RouteResult = {
    model: candidate.model,
    provider: host.kind,
    ...(many && { host: host.name }),
    task,
    profile,
    complexity,
    reason: `${candidate.why}${many ? ` on ${host.name}` : ''} (${how}, ${complexity} complexity)${raised}${after}.`,
    fallbacks: attempts,
    text: out.text,
    answerId,
    doneReason: out.doneReason,
    contextLength: loaded.contextLength,
    metrics: {
      totalMs: total,
      loadMs,
      queueMs: out.queueMs,
      timeToFirstTokenMs: out.timeToFirstTokenMs,
      promptTokens: out.promptTokens,
      outputTokens: out.outputTokens,
      tokensPerSecond: out.tokensPerSecond,
      ...engineTimes(out),
    },
  };
  if (verdict?.ok) result.json = verdict.value;
  if (out.thinking) result.thinking = out.thinking;
  ask.notes.push(...parts.fleet.pinNotes()); // pins this server loaded again after an eviction it did not ask for
  if (ask.notes.length) result.notes = ask.notes;
  return result;
}

/**
 * Why the candidate's loaded model was reloaded with another window (fleet/kept-window.ts): the user's own
 * window, or a request that fits neither its loaded window nor, split, any other copy's.
 */
function reloadedBecause(t: Trial, model: string, loaded: LoadOutcome): string {
  const from = loaded.contextRaisedFrom ?? 0;
  const to = loaded.contextLength;
  if (t.parts.settings.options.contextSize === to)
    return `reloaded ${model} with the ${tokensInWords(to)} window options.contextSize sets (it was loaded with ${tokensInWords(from)})`;
  // reloaded because splitting to its window would have taken longer (the offload plan weighed both)
  const paid = t.req.reloadsPaid?.find((p) => isModel(p.model, model));
  if (paid) return reloadPaidWhy(model, { from, to, paid });
  const copies = t.views.filter((v) => v.overview.models.some((m) => isModel(m.name, model))).length;
  return reloadWhy(model, { from, to, needTokens: t.ask.contextTokens, splits: t.req.partOf !== undefined, copies });
}
