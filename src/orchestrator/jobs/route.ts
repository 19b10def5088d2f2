/**
 * route_and_generate: infer the work, choose a model, load it without overcommitting, stream the
 * answer, and fall back to the next candidate when a model fails — recording every attempt.
 * Every host of the fleet takes part, whatever its engine. When every local engine fails, whatever
 * the failure, the cloud fallback is asked if settings name one (elsewhere.ts); otherwise the
 * error tells the calling assistant to do the work itself.
 */
import { cancelledText } from '../util/stopping.js';
import { findModel } from '../models/catalog.js';
import { answerElsewhere } from './elsewhere.js';
import { candidatesOf, reachableHosts } from '../fleet/placement.js';
import { withUsableWindows, type Candidate } from '../fleet/windows.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import { RouteError, type Attempt, type RouteRequest, type RouteResult } from '../generation/route-types.js';

export { RouteError, type Attempt, type RouteRequest, type RouteResult } from '../generation/route-types.js';
import { estimateTokens } from '../generation/classify.js';
import { inferWork, rankWork } from './work.js';
import { noCandidate } from './no-candidate.js';
import { HostError } from '../engines/host-error.js';
import type { MemoryProvider } from '../memory/memory-hook.js';
import type { JobParts } from './parts.js';
import { forAgent } from './agent-parts.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import { adviseRoute } from '../generation/advice.js';
import { answerReserve, contextNeeded } from '../generation/context-need.js';
import { streamGenerate, streamOptions, type StreamResult } from '../generation/stream.js';
import { shortened } from '../util/shorten.js';
import { degenerate, degenerateWhy, type AnswerEnd, type Given } from '../generation/degenerate.js';
import type { FormatVerdict } from '../generation/answer-format.js';


/** Models tried before giving up on local generation. */
const MAX_ATTEMPTS = 3;
/** Above this context, each candidate's window is weighed against its host's memory (fleet/windows.ts). */
const WINDOWS_FROM = 2048;



/** Output tokens/s measured per model (for fast work's tie-break). */
function measuredSpeeds(parts: JobParts): Map<string, number> {
  return new Map(Object.entries(parts.records.metrics.all()).map(([model, m]) => [model, m.avgTokensPerSecond]));
}

/** Remembered facts for the prompt; when memory cannot be read, generation goes on without it and says why. */
async function memoriesFor(memory: MemoryProvider, prompt: string, budgetTokens: number, notes: string[]): Promise<string> {
  try {
    return await memory.systemPromptAddition(prompt, budgetTokens);
  } catch (err) {
    notes.push(`Remembered facts were not used: ${err instanceof Error ? err.message : String(err)}`);
    return '';
  }
}


export async function routeAndGenerate(shared: JobParts, req: RouteRequest): Promise<RouteResult> {
  const started = performance.now();
  const parts = forAgent(shared, req.agent); // the calling agent's settings, router and system prompt
  const { settings } = parts;
  // the caller's words decide the kind of work, never the text of inputs read for it
  const words = req.intent ?? req.prompt;
  const work = inferWork(parts, req);
  const { task, complexity } = work;
  let { profile, how } = work;

  req.progress?.enter({ kind: 'starting', what: `choosing a model for ${profile} work` });
  const notes: string[] = [];
  const memoryText = req.useMemory !== false && parts.memory ? await memoriesFor(parts.memory, words, settings.memory.promptBudgetTokens, notes) : '';
  const system = [parts.project?.systemPrompt, parts.agentSystem, req.system, req.guide, memoryText].filter((s): s is string => Boolean(s)).join('\n\n') || undefined;
  const maxTokens = req.maxTokens ?? settings.options.maxTokens;
  const estimated = estimateTokens(`${system ?? ''}\n${req.prompt}`);
  // the caller may have counted the prompt for the model it names (offload: its tokenizer or calibration)
  const promptTokens = req.promptTokens !== undefined ? Math.max(estimated - estimateTokens(req.prompt), 0) + req.promptTokens : estimated;
  const answerTokens = answerReserve(req.maxTokens, maxTokens);
  const contextTokens = contextNeeded(promptTokens, req.images?.length ?? 0, answerTokens);

  const attempts: Attempt[] = [];
  // Every host that answers, whatever its engine; with none, the cloud fallback (elsewhere.ts).
  const views = await reachableHosts(parts.fleet.hosts, parts.fleet.hostCooldown, attempts, req.signal);
  const hostsDown = attempts.length;
  const temperature = req.temperature ?? settings.options.temperature;
  const elsewhere = () => answerElsewhere(parts.fallback, { req, task, profile, complexity, system, maxTokens, temperature, attempts, notes });
  if (views.length === 0) return elsewhere();
  const unit = (name: string | undefined) => views.find((v) => v.host.name === name) ?? views[0]!;
  // a prompt longer than a base context: each model's window is what its host's memory can hold now
  const listed = candidatesOf(views);
  const models: Array<Candidate & { trainedWindow?: number }> = contextTokens > WINDOWS_FROM ? await withUsableWindows(views, listed, req.signal) : listed;
  const overview = { models, loaded: views.flatMap((v) => v.overview.loaded) };
  const queue: Array<{ model: string; why: string; host?: string }> = [];
  let windowTooSmall: Attempt | undefined; // the named model's window cannot hold the work
  if (req.model) {
    const named = findModel(overview.models, req.model);
    if (!named) attempts.push({ model: shortened(req.model), error: `not installed — pull it with \`ollama pull ${shortened(req.model)}\`` });
    else if (named.contextWindow < contextTokens) {
      const trained = named.trainedWindow ?? named.contextWindow;
      const bound = trained > named.contextWindow ? ` (trained for ${trained}; its host's memory holds ${named.contextWindow} for it now)` : '';
      windowTooSmall = { model: named.name, error: `its ${named.contextWindow}-token window${bound} is too small for ~${promptTokens} prompt + ${answerTokens} answer tokens` };
      attempts.push(windowTooSmall);
    }
    else queue.push({ model: named.name, why: `${named.name} was named by the caller`, ...(named.host !== undefined && { host: named.host }) });
  }
  let cold: ReturnType<typeof coldLoadEstimates> | undefined;
  const coldLoadMs = () => (cold ??= coldLoadEstimates(overview.models, parts.records.metrics.loadSpeed()));
  // The ranking of every candidate: at once, or — when the caller named a model that can take the
  // work on a host with a free slot — only if that model fails (its cost is not paid on every call).
  let ranked = req.only === true; // the named model or nothing
  const rank = () => {
    if (ranked) return;
    ranked = true;
    const ranking = rankWork(parts, work, req, overview.models, { contextTokens, speeds: measuredSpeeds(parts), coldLoadMs: coldLoadMs() });
    ({ profile, how } = ranking);
    for (const r of ranking.selection?.ranked ?? []) if (!queue.some((q) => q.model === r.model && q.host === r.host)) queue.push(r);
    if (views.length > 1) spreadBusy(queue, (c) => unit(c.host).host);
  };
  const named = queue[0];
  const namedHost = named && unit(named.host).host;
  if (!ranked && (!named || req.dryRun || !namedHost || namedHost.loader.requestsOn(named.model) >= namedHost.settings.ollama.numParallel)) rank();

  // no candidate at all (what the hosts that are down would have offered is unknown): say why of every model here
  if (queue.length === 0 && attempts.every((a, i) => i < hostsDown || a === windowTooSmall)) noCandidate(parts, req, { profile, models: overview.models, attempts, contextTokens, promptTokens, answerTokens, namedHost: parts.fleet.hosts.length > 1 ? (m) => m.host ?? views[0]!.host.name : undefined });

  if (req.dryRun && queue.length > 0) {
    const firstHost = unit(queue[0]!.host).host;
    const busy = { running: firstHost.loader.requestsOn(queue[0]!.model), slots: firstHost.settings.ollama.numParallel };
    return adviseRoute({ queue, models: overview.models, coldLoadMs: coldLoadMs(), book: parts.records.outcomes.evidence(), task, profile, complexity, how, maxTokens, promptTokens, namedHost: parts.fleet.hosts.length > 1, busy });
  }

  // what an answer may repeat without looping: what the model was given, as often as the caller asked
  const given: Given = { texts: system ? [req.prompt, system] : [req.prompt], ask: words };
  const down = new Set<string>();
  let tried = 0;
  for (let i = 0; i < queue.length || (!ranked && (rank(), i < queue.length)); i++) {
    const candidate = queue[i]!;
    if (req.signal?.aborted || tried >= MAX_ATTEMPTS) break;
    const { host, overview: here } = unit(candidate.host);
    if (down.has(host.name)) continue; // its other models are behind the same host
    tried++;
    try {
      const loaded = await host.loader.ensureLoaded({
        model: candidate.model,
        contextLength: contextTokens,
        seen: here.loaded,
        ...(req.signal && { signal: req.signal }),
        ...(req.progress && { progress: req.progress }),
      });
      if (loaded.action === 'refused') {
        attempts.push({ model: candidate.model, error: loaded.reason });
        continue;
      }
      const done = host.loader.begin(candidate.model);
      let out: StreamResult;
      const place = { model: candidate.model, host: candidate.host, work: profile };
      try {
        const capabilities = here.models.find((m) => m.name === candidate.model)?.capabilities ?? [];
        out = await streamGenerate(host.engine, {
          ...streamOptions(settings, loaded, { capabilities, maxTokens, ...(req.temperature !== undefined && { temperature: req.temperature }) }),
          prompt: req.prompt,
          ...(system && { system }),
          ...(req.images && { images: req.images }),
          ...(req.format && { format: req.format.format }),
          promptTokens,
          ahead: done.ahead,
          ...(req.signal && { signal: req.signal }),
          ...(req.progress && { progress: req.progress }),
          ...(req.onProgress && { onToken: (n: number) => req.onProgress!(n, candidate.model) }),
        });
      } catch (err) {
        // what happened to the answer counts in the model's track record here (not a cancel, not memory)
        if (!req.signal?.aborted && !(err instanceof HostError && (err.kind === 'out_of_memory' || err.kind === 'aborted'))) {
          void parts.records.outcomes.record(place, { kind: err instanceof HostError && err.kind === 'timeout' ? 'timeout' : 'failure' });
        }
        // Out of memory while generating: Ollama expires every loaded model, pins included.
        if (err instanceof HostError && err.kind === 'out_of_memory') {
          const note = await host.loader.recoverFromOutOfMemory(here.loaded.map((l) => ({ name: l.name, context_length: l.contextLength })));
          if (note) throw new HostError(err.kind, `${err.message} ${note}`, err.host, err.status);
        }
        throw err;
      } finally {
        done();
      }
      const loadMs = (loaded.loadMs ?? 0) + out.loadMs;
      parts.records.metrics.recordPromptCount(candidate.model, estimated, out.promptTokens);
      // an answer no one can use (empty, looping, cut in its first sentence, or citing what is not there) goes to the next candidate
      const verdict = req.format?.check(out.text);
      const unusable = setAside(out.text, { doneReason: out.doneReason, given }, req, verdict);
      if (unusable) {
        attempts.push({ model: parts.fleet.hosts.length > 1 ? `${candidate.model} on ${host.name}` : candidate.model, error: `its answer was set aside: ${unusable}` });
        req.progress?.enter({ kind: 'fallback', from: attempts.at(-1)!.model, error: attempts.at(-1)!.error });
        parts.records.metrics.record({ model: candidate.model, ok: false, latencyMs: out.totalMs, error: `answer set aside: ${unusable}` });
        void parts.records.outcomes.record(place, { kind: 'failure' });
        continue;
      }
      parts.records.metrics.record({ model: candidate.model, ok: true, latencyMs: out.totalMs, outputTokens: out.outputTokens, tokensPerSecond: out.tokensPerSecond, loadMs });
      // recorded with the other writes of the moment, after the answer has gone out
      void parts.records.outcomes.record(place, { kind: 'speed', tokensPerSecond: out.tokensPerSecond }, ...(out.doneReason === 'length' ? [{ kind: 'cut' as const }] : []));
      const answerId = parts.records.outcomes.answered(place);
      const result: RouteResult = {
        model: candidate.model,
        provider: host.kind,
        ...(parts.fleet.hosts.length > 1 && { host: host.name }),
        task,
        profile,
        complexity,
        reason: `${candidate.why}${parts.fleet.hosts.length > 1 ? ` on ${host.name}` : ''} (${how}, ${complexity} complexity)${loaded.contextRaisedFrom ? `; its context was raised from ${loaded.contextRaisedFrom} to ${loaded.contextLength} tokens for this prompt` : ''}${attempts.length ? `, after ${attempts.length} failed attempt${attempts.length > 1 ? 's' : ''}` : ''}.`,
        fallbacks: attempts,
        text: out.text,
        answerId,
        doneReason: out.doneReason,
        contextLength: loaded.contextLength,
        metrics: { totalMs: Math.round(performance.now() - started), loadMs, queueMs: out.queueMs, timeToFirstTokenMs: out.timeToFirstTokenMs, promptTokens: out.promptTokens, outputTokens: out.outputTokens, tokensPerSecond: out.tokensPerSecond },
      };
      if (verdict?.ok) result.json = verdict.value;
      if (out.thinking) result.thinking = out.thinking;
      notes.push(...parts.fleet.pinNotes()); // pins this server loaded again after an eviction it did not ask for
      if (notes.length) result.notes = notes;
      return result;
    } catch (err) {
      if (req.signal?.aborted) throw err; // the client cancelled: stop, do not try others
      const message = err instanceof Error ? err.message : String(err);
      attempts.push({ model: parts.fleet.hosts.length > 1 ? `${candidate.model} on ${host.name}` : candidate.model, error: message });
      req.progress?.enter({ kind: 'fallback', from: attempts.at(-1)!.model, error: message });
      parts.records.metrics.record({ model: candidate.model, ok: false, latencyMs: 0, error: message });
      if (err instanceof HostError && err.kind === 'unreachable') {
        down.add(host.name);
        if (parts.fleet.hosts.length > 1) parts.fleet.hostCooldown.down(host.name, message);
      }
    }
  }
  if (req.signal?.aborted) throw new HostError('aborted', cancelledText('route_and_generate', req.signal), parts.fleet.host);
  // a call restricted to one model (`only`) ends there, with its attempts: elsewhere.ts
  return elsewhere();
}

/**
 * Why an answer is set aside, or undefined: not of the format the caller asked for (not JSON, or
 * breaking its schema); degenerate (generation/degenerate.ts: empty — not for JSON, where [] or {}
 * is an answer —, a loop of its own, or — only when the caller set no maxTokens, a cut at their own
 * limit being what they asked for — cut in its first sentence); or failing the caller's own check
 * (offload: most citations do not hold).
 */
function setAside(text: string, end: AnswerEnd, req: RouteRequest, verdict: FormatVerdict | undefined): string | undefined {
  if (verdict && !verdict.ok) return verdict.why;
  const bad = degenerate(text, end);
  if (bad && !(bad.kind === 'cut' && req.maxTokens !== undefined) && !(bad.kind === 'empty' && verdict)) return degenerateWhy(bad);
  return req.check?.(text);
}

/**
 * Concurrent requests for one model use the hosts that hold it: a copy whose every parallel slot
 * is taken by a request of ours goes after the same model on a host with a free slot.
 */
function spreadBusy<T extends { model: string; host?: string }>(queue: T[], hostOf: (c: T) => FleetHost): void {
  const full = (c: T) => {
    const h = hostOf(c);
    return h.loader.requestsOn(c.model) >= h.settings.ollama.numParallel;
  };
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    const free = queue.findIndex((o, j) => j > i && o.model === c.model && o.host !== c.host && !full(o));
    if (free > i && full(c)) queue.splice(i, 0, ...queue.splice(free, 1));
  }
}
