/**
 * compare: one prompt, several models, metrics side by side (seed 003 S07-T06). Models that fit
 * in memory together run in parallel; the rest run one group after another, with smart loading
 * between groups — every load goes through the planner, so a comparison never overcommits. One
 * model failing does not fail the comparison.
 *
 * Each model's time is split into loading, reading the prompt (time to first token) and generating,
 * so a model loaded before the comparison never looks faster than one loaded during it: the fastest
 * is the one that generates fastest (tokens per second), and the wall time with the load is shown
 * beside it.
 */
import { cancelledText } from '../util/stopping.js';
import { randomUUID } from 'node:crypto';
import { findModel } from '../models/catalog.js';
import { VRAM_ADMISSION } from '../loading/planner.js';
import { classify } from './classify.js';
import type { LoadOutcome } from '../loading/loader.js';
import { OllamaError } from '../hosts/ollama.js';
import type { ModelSummary, Orchestrator } from '../orchestrator.js';
import type { TaskType } from '../models/profiles.js';
import { selectModel } from './router.js';
import { estimateTokens } from './classify.js';
import type { PhaseBoard } from '../progress/progress.js';
import { streamGenerate, streamOptions, type StreamResult } from './stream.js';
import { shortened } from '../util/shorten.js';

export interface CompareRequest {
  prompt: string;
  models?: string[];
  system?: string;
  /** Base64 images: every model compared must see images. */
  images?: string[];
  task?: TaskType;
  maxTokens?: number;
  signal?: AbortSignal;
  /** Called when a model finishes: how many are done of how many. */
  onModelDone?: (done: number, total: number, model: string) => void;
  /** Each model's phase (waiting, loading, queued, reading the prompt, generating) in a lane of its own. */
  progress?: PhaseBoard;
}

export interface CompareMetrics {
  /** Loading the model for this comparison (by the loader, and any load Ollama did at the start of the request); 0 when it was already loaded. */
  loadMs: number;
  /** Queued behind this server's other requests on the model. */
  queueMs: number;
  /** Reading the prompt: from leaving the queue to the first token, any load excluded. */
  timeToFirstTokenMs: number;
  /** Generating: from the first token to the last. */
  generationMs: number;
  /** The model's wall time in the comparison, load included: loadMs + queueMs + timeToFirstTokenMs + generationMs. */
  totalMs: number;
  promptTokens: number;
  outputTokens: number;
  /** Output tokens per second while generating: what "fastest" is judged by. */
  tokensPerSecond: number;
}

export interface CompareEntry {
  model: string;
  text: string;
  error?: string;
  thinking?: string;
  /** The model was already in memory when the comparison reached it (nothing to load). */
  loadedBefore?: boolean;
  metrics: CompareMetrics;
}

export interface CompareResult {
  comparisonId: string;
  task: TaskType;
  results: CompareEntry[];
  /** Some models ran at the same time. */
  parallel: boolean;
  /** How the models were grouped: each inner list ran together. */
  groups: string[][];
  /** The model that generated fastest (tokens per second; equal speeds: the shorter generation), load time aside. */
  fastest?: string;
  wallMs: number;
}


/** Answer tokens each model's context must hold beside the prompt (as route_and_generate reserves). */
const ANSWER_RESERVE = 1024;
/** Room for the prompt template and special tokens beyond the estimate. */
const CONTEXT_SLACK = 256;

const ZERO: CompareMetrics = { loadMs: 0, queueMs: 0, timeToFirstTokenMs: 0, generationMs: 0, totalMs: 0, promptTokens: 0, outputTokens: 0, tokensPerSecond: 0 };

type Timing = Pick<StreamResult, 'loadMs' | 'queueMs' | 'timeToFirstTokenMs' | 'totalMs' | 'promptTokens' | 'outputTokens' | 'tokensPerSecond'>;

/**
 * One model's row from the loader's load time and the generation's own timing. A load Ollama did
 * inside the request (its load_duration) is moved out of the time to first token into loadMs, so
 * load, prompt reading and generation never mix whichever way the model was loaded.
 */
export function compareMetrics(loaderLoadMs: number, out: Timing): CompareMetrics {
  const requestLoadMs = Math.min(out.loadMs, out.timeToFirstTokenMs);
  const generationMs = Math.max(0, out.totalMs - out.queueMs - out.timeToFirstTokenMs);
  const derived = generationMs > 0 ? Math.round((out.outputTokens / (generationMs / 1000)) * 10) / 10 : 0;
  return {
    loadMs: loaderLoadMs + out.loadMs,
    queueMs: out.queueMs,
    timeToFirstTokenMs: out.timeToFirstTokenMs - requestLoadMs,
    generationMs,
    totalMs: loaderLoadMs + out.totalMs,
    promptTokens: out.promptTokens,
    outputTokens: out.outputTokens,
    tokensPerSecond: out.tokensPerSecond > 0 ? out.tokensPerSecond : derived,
  };
}

/**
 * The model that generated fastest: the most tokens per second; between equal speeds the shorter
 * generation, then the shorter time to first token. Load time never counts: a model loaded before
 * the comparison would otherwise win on that alone.
 */
export function fastestOf(entries: readonly CompareEntry[]): string | undefined {
  const ok = entries.filter((e) => !e.error && e.metrics.outputTokens > 0);
  const best = [...ok].sort(
    (a, b) =>
      b.metrics.tokensPerSecond - a.metrics.tokensPerSecond ||
      a.metrics.generationMs - b.metrics.generationMs ||
      a.metrics.timeToFirstTokenMs - b.metrics.timeToFirstTokenMs,
  )[0];
  return best?.model;
}

/**
 * Splits models into groups whose memory needs fit together, in order: the room is what models
 * that must stay (pinned or busy ones outside the comparison) leave — VRAM within Ollama's 80%
 * rule on a GPU host, the RAM budget on a CPU host — and a group is never larger than the number
 * of models the host may still load (OLLAMA_MAX_LOADED_MODELS), so Ollama evicts no member.
 */
export function groupByMemory(models: ModelSummary[], roomBytes: number, maxPerGroup = Infinity): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const m of models) {
    if (current.length > 0 && (used + m.requiredBytes > roomBytes || current.length >= maxPerGroup)) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(m.name);
    used += m.requiredBytes;
  }
  if (current.length) groups.push(current);
  return groups;
}

export async function compare(orch: Orchestrator, req: CompareRequest): Promise<CompareResult> {
  const started = performance.now();
  const images = req.images?.length ? req.images : undefined;
  const task = images ? 'vision' : (req.task ?? classify({ prompt: req.prompt, ...(req.system && { system: req.system }) }).task);
  req.progress?.enter({ kind: 'starting', what: req.models ? `comparing ${req.models.join(', ')}` : `choosing models to compare for ${task} work` });
  // compare runs on ollama.host (its models load side by side there)
  const overview = await orch.overview.listModels(req.signal ? { signal: req.signal } : {});
  const { settings } = orch.config;

  const maxTokens = req.maxTokens ?? settings.options.maxTokens;
  const promptTokens = estimateTokens(`${req.system ?? ''}\n${req.prompt}`);
  // the prompt and the answer must fit each model's context: a longer prompt Ollama would cut without a word
  const contextTokens = promptTokens + Math.min(maxTokens, ANSWER_RESERVE) + CONTEXT_SLACK;
  let names = req.models;
  if (!names) {
    const selection = selectModel({ task, images: images !== undefined, contextTokens }, overview.models, orch.routingSettings());
    names = (selection?.ranked ?? []).slice(0, 3).map((r) => r.model);
    if (names.length < 2) throw new OllamaError('model_not_found', `Fewer than two installed models fit this machine for ${task} work — name the models to compare, or pull another.`, orch.host);
  }
  const results = new Map<string, CompareEntry>();
  const known: ModelSummary[] = [];
  for (const name of names) {
    const m = findModel(overview.models, name);
    if (!m) results.set(name, { model: shortened(name), text: '', error: `not installed — pull it with \`ollama pull ${shortened(name)}\``, metrics: ZERO });
    else if (!m.fits) results.set(m.name, { model: m.name, text: '', error: `needs ${Math.round(m.requiredBytes / 1e8) / 10} GB, more than this host allows`, metrics: ZERO });
    else if (m.contextWindow < contextTokens) results.set(m.name, { model: m.name, text: '', error: `its ${m.contextWindow}-token window is too small for the prompt and inputs (~${promptTokens} tokens) and the answer — route_and_generate splits long inputs into parts`, metrics: ZERO });
    else if (!known.some((k) => k.name === m.name)) known.push(m);
  }

  const held = overview.loaded.filter((l) => !known.some((k) => k.name === l.name) && (orch.loader.pins.has(l.name) || orch.loader.requestsOn(l.name) > 0));
  const host = overview.ram.host;
  const heldBytes = held.reduce((s, l) => s + l.sizeBytes, 0);
  const room =
    host.kind === 'gpu'
      ? ((host.vramTotalBytes ?? 0) - held.reduce((s, l) => s + l.vramBytes, 0)) * VRAM_ADMISSION
      : host.kind === 'cpu'
        ? Math.min(overview.ram.budgetBytes, (host.ramTotalBytes ?? overview.ram.totalBytes) - overview.ram.bufferBytes) - heldBytes
        : Infinity;
  const groups = groupByMemory(known, room, Math.max(1, host.maxLoadedModels - held.length));
  const total = names.length;
  let finished = results.size;
  req.progress?.note(`compare, ${finished} of ${total} models done`);

  for (const group of groups) {
    if (req.signal?.aborted) break;
    // Mark the group busy first, so loading one member never unloads another.
    const releases = group.map((m) => orch.loader.begin(m));
    const lanes = group.map((m) => req.progress?.lane(m));
    try {
      const loads: Array<LoadOutcome | Error> = [];
      for (const [i, model] of group.entries()) {
        const lane = lanes[i];
        loads.push(
          await orch.loader.ensureLoaded({ model, contextLength: contextTokens, ...(req.signal && { signal: req.signal }), ...(lane && { progress: lane }) }).catch((err: unknown) => err as Error),
        );
        if (i < group.length - 1) lane?.enter({ kind: 'waiting', for: `the rest of ${model}'s group to load` });
      }
      await Promise.all(
        group.map(async (model, i) => {
          const loaded = loads[i]!;
          if (loaded instanceof Error || loaded.action === 'refused') {
            const why = loaded instanceof Error ? loaded.message : loaded.reason;
            results.set(model, { model, text: '', error: why, metrics: ZERO });
          } else {
            try {
              const capabilities = overview.models.find((m) => m.name === model)?.capabilities ?? [];
              const out = await streamGenerate(orch.backend, {
                ...streamOptions(settings, loaded, { capabilities, maxTokens }),
                prompt: req.prompt,
                ...(req.system && { system: req.system }),
                ...(images && { images }),
                promptTokens,
                ahead: releases[i]!.ahead,
                ...(req.signal && { signal: req.signal }),
                ...(lanes[i] && { progress: lanes[i] }),
              });
              const metrics = compareMetrics(loaded.loadMs ?? 0, out);
              const entry: CompareEntry = { model, text: out.text, metrics };
              if (loaded.action === 'already_loaded') entry.loadedBefore = true;
              if (out.thinking) entry.thinking = out.thinking;
              results.set(model, entry);
              orch.metrics.record({ model, ok: true, latencyMs: out.totalMs, outputTokens: metrics.outputTokens, tokensPerSecond: metrics.tokensPerSecond, loadMs: metrics.loadMs });
            } catch (err) {
              if (req.signal?.aborted) throw err;
              const message = err instanceof Error ? err.message : String(err);
              results.set(model, { model, text: '', error: message, metrics: ZERO });
              orch.metrics.record({ model, ok: false, latencyMs: 0, error: message });
            }
          }
          req.progress?.note(`compare, ${++finished} of ${total} models done`);
          lanes[i]?.end();
          req.onModelDone?.(finished, total, model);
        }),
      );
    } finally {
      for (const release of releases) release();
      for (const lane of lanes) lane?.end();
    }
  }
  if (req.signal?.aborted) throw new OllamaError('aborted', cancelledText('compare', req.signal), orch.host);

  const ordered = names.map((n) => results.get(n) ?? results.get(`${n}:latest`)!).filter(Boolean);
  const ok = ordered.filter((r) => !r.error);
  const result: CompareResult = {
    comparisonId: randomUUID(),
    task,
    results: ordered,
    parallel: groups.some((g) => g.length > 1),
    groups,
    wallMs: Math.round(performance.now() - started),
  };
  const fastest = fastestOf(ok);
  if (fastest) result.fastest = fastest;
  orch.comparisons.remember(result.comparisonId, task, ordered.map((r) => r.model));
  return result;
}
