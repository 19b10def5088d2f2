/**
 * route_and_generate: infer the work, choose a model, load it without overcommitting, stream the
 * answer, and fall back to the next candidate when a model fails — recording every attempt.
 * Every host of the fleet takes part, whatever its engine. When every local engine fails, whatever
 * the failure, the cloud fallback is asked if settings name one (elsewhere.ts); otherwise the
 * error tells the calling assistant to do the work itself.
 *
 * In four steps: the request made ready (prepare: the work, system prompt, token counts); its
 * candidates listed (route-candidates.ts: hosts, windows, the named model, the ranking); each
 * tried in turn (route-attempt.ts: load, stream, set aside); and the end — the answer, a dry
 * run's advice, or the cloud fallback.
 */
import { cancelledText } from '../util/stopping.js';
import { answerElsewhere } from './elsewhere.js';
import { othersAt, reachableHosts } from '../fleet/placement.js';
import { othersCount } from '../fleet/others-load.js';
import type { Attempt, RouteRequest, RouteResult } from '../generation/route-types.js';

export { RouteError, type Attempt, type RouteRequest, type RouteResult } from '../generation/route-types.js';
import { estimateTokens } from '../generation/classify.js';
import { inferWork, type Work } from './work.js';
import { HostError } from '../engines/host-error.js';
import type { MemoryProvider } from '../memory/memory-hook.js';
import type { JobParts } from './parts.js';
import { forAgent } from './agent-parts.js';
import { adviseRoute } from '../generation/advice.js';
import { answerReserve, contextNeeded } from '../generation/context-need.js';
import { clientOf, listCandidates, type Candidates, type Prepared } from './route-candidates.js';
import { estimatePlan, type PlanShape } from './plan-estimate.js';
import { tryCandidates } from './route-attempt.js';
import { ownHosts } from './own-hosts.js';
import { answerLimit } from '../generation/stream.js';
import { answerWithin } from './hand-over.js';

/** A dry run's request may say the plan it is one request of (a split job: offload.ts), so the time given is the plan's. */
export type RouteAsk = RouteRequest & { plan?: PlanShape };

export async function routeAndGenerate(shared: JobParts, req: RouteAsk): Promise<RouteResult> {
  const started = performance.now();
  const parts = forAgent(shared, req.agent); // the calling agent's settings, router and system prompt
  const ask = await prepare(parts, req);
  const attempts: Attempt[] = [];
  // Every host that answers, whatever its engine; with none, the cloud fallback (elsewhere.ts).
  const views = await reachableHosts(ownHosts(parts.fleet.hosts, req), parts.fleet.hostCooldown, attempts, req.signal);
  const elsewhere = () => {
    const { task, profile, complexity } = ask.work; // as the ranking left them
    return answerElsewhere(parts.fallback, { req, task, profile, complexity, system: ask.system, maxTokens: ask.maxTokens, temperature: ask.temperature, attempts, notes: ask.notes });
  };
  if (views.length === 0) return elsewhere();
  const list = await listCandidates(parts, req, ask, views, attempts);
  if (req.dryRun && list.queue.length > 0) return dryRun(parts, req, ask, list);
  const answer = await tryCandidates(parts, req, ask, list, attempts, started);
  if (answer) return answer;
  if (req.signal?.aborted) throw new HostError('aborted', cancelledText('route_and_generate', req.signal), parts.fleet.host);
  // a call restricted to one model (`only`) ends there, with its attempts: elsewhere.ts
  return elsewhere();
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

/**
 * The request made ready: its work (from the caller's words), the system prompt with remembered
 * facts, and the tokens it needs. The work is worked out when first needed — at once for a ranking,
 * a dry run or a client shown progress; for the model the caller named, at its first token
 * (route-attempt.ts), so its cost is not on the way to the engine.
 */
async function prepare(parts: JobParts, req: RouteRequest): Promise<Prepared> {
  const { settings } = parts;
  // the caller's words decide the kind of work, never the text of inputs read for it
  const words = req.intent ?? req.prompt;
  let work: Work | undefined;
  const workOf = () => (work ??= inferWork(parts, req));
  if (req.progress) req.progress.enter({ kind: 'starting', what: `choosing a model for ${workOf().profile} work` });
  const notes: string[] = [];
  const memoryText = req.useMemory !== false && parts.memory ? await memoriesFor(parts.memory, words, settings.memory.promptBudgetTokens, notes) : '';
  const system = [parts.project?.systemPrompt, parts.agentSystem, req.system, req.guide, memoryText].filter((s): s is string => Boolean(s)).join('\n\n') || undefined;
  const maxTokens = answerLimit(req.maxTokens, settings);
  const estimated = estimateTokens(`${system ?? ''}\n${req.prompt}`);
  // the caller may have counted the prompt for the model it names (offload: its tokenizer or calibration)
  const promptTokens = req.promptTokens !== undefined ? Math.max(estimated - estimateTokens(req.prompt), 0) + req.promptTokens : estimated;
  const answerTokens = answerReserve(req.maxTokens, maxTokens);
  const contextTokens = contextNeeded(promptTokens, req.images?.length ?? 0, answerTokens);
  const temperature = req.temperature ?? settings.options.temperature;
  return {
    get work() {
      return workOf();
    },
    words,
    notes,
    system,
    maxTokens,
    ...(temperature !== undefined && { temperature }),
    estimated,
    promptTokens,
    answerTokens,
    contextTokens,
  };
}

/** A dry run: the first candidate, why, its record here and the expected time — the wait behind its busy slots included — and whether its client would get it within its limit or as a job. */
function dryRun(parts: JobParts, req: RouteAsk, ask: Prepared, list: Candidates): RouteResult {
  const first = list.queue[0]!;
  const { host, overview } = list.unit(first.host);
  const m = list.models.find((c) => c.name === first.model && c.host === first.host) ?? list.models.find((c) => c.name === first.model);
  const others = othersAt(list.unit(first.host), first.model);
  const busy = { running: host.loader.requestsOn(first.model) + othersCount(others), slots: others.slots ?? host.settings.ollama.numParallel };
  const { task, profile, complexity, how } = ask.work;
  const place = { host, hostKind: overview.ram.host.kind, model: first.model, loaded: m?.loaded ?? false, sizeBytes: m?.sizeBytes, parameterSize: m?.parameterSize, coldLoadMs: list.coldLoadMs().get(first.model), client: clientOf(req), others };
  // the prompt in the engine's tokens: the caller's count, else the estimate calibrated by what the engine counted before (metrics.ts)
  const promptTokens = req.promptTokens !== undefined ? ask.promptTokens : Math.round(ask.promptTokens * (parts.records.metrics.tokenRatio(first.model) ?? 1));
  const estimate = estimatePlan(parts, place, { promptTokens, maxTokens: ask.maxTokens, ...(req.plan && { shape: req.plan }) });
  // when the call would be answered: its client's limit less the margin (hand-over.ts), or none
  const within = answerWithin(req.clientLimitMs);
  const limit = req.clientLimitMs !== undefined && within !== undefined ? { clientMs: req.clientLimitMs, withinMs: within } : undefined;
  return adviseRoute({ queue: list.queue, models: list.models, estimate, book: parts.records.outcomes.evidence(), task, profile, complexity, how, maxTokens: ask.maxTokens, promptTokens: ask.promptTokens, namedHost: parts.fleet.hosts.length > 1, provider: host.kind, busy, ...(limit && { limit }) });
}
