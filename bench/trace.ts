/**
 * Trace benchmark: a deterministic trace of bursty work (code, general, vision, fast, reasoning)
 * replayed against the fake Ollama in two host modes, each two or three ways:
 *   (a) direct — one fixed model per task, Ollama's own scheduler evicting as it likes;
 *   (b) ollm-mcp — smart_load for the task, then generate on the chosen model;
 *   (c) ollm-mcp — route_and_generate per request.
 * Modes: a CPU host with 12 GB (Ollama checks no memory there: an overcommit swaps) and a GPU host
 * with a 24 GB GPU, 32 GB RAM, 2 parallel slots, at most 3 loaded models and 800 ms unloads.
 * Goals for (b) and (c) in both: no eviction by Ollama itself (memory or count), no failed load,
 * no swap, load time at most 0.6× direct, code only on code specialists, images only on vision.
 * Then (c) again with a much larger model (mixtral:8x7b) and another small one installed too:
 * fast work never goes to the large one (issue 33). Each of ollm-mcp's runs is set against the offline
 * optimum for the models it served (trace-optimum.ts): goal ≤ 1.10× on the CPU host (issue 73, finding 5).
 */
import type { OllamaBackend } from '../src/orchestrator/engines/ollama/ollama.js';
import { isCodeSpecialist } from '../src/orchestrator/generation/router.js';
import { routeAndGenerate } from '../src/orchestrator/jobs/route.js';
import { smartLoad } from '../src/orchestrator/jobs/smart-load.js';
import type { TaskType } from '../src/orchestrator/index.js';
import { DEFAULT_REGISTRY, FakeOllama, type FakeOllamaOptions, type FakeStats } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';
import { DIRECT, makeTrace, MODELS, PROMPTS, TASKS } from './trace-data.js';
import { hostFor, noteSizes, OPTIMUM_GOAL, toOptimum } from './trace-optimum.js';

export const LOAD_MS_PER_GB = 40;
const GiB = 1024 ** 3;

export interface Mode {
  name: string;
  fake: FakeOllamaOptions;
  /** RAM of the machine, as the core reads it. */
  totalBytes: number;
  /** ollm-mcp's settings for that host. */
  yaml: string;
}

export const MODES: Mode[] = [
  {
    name: 'CPU host, 16 GB',
    fake: { memoryBytes: 16e9, admission: 'ollama', maxLoadedModels: 3 },
    totalBytes: 16e9,
    yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n',
  },
  {
    name: 'GPU host, 24 GiB VRAM, 32 GB RAM, parallel 2, max 3 loaded, 800 ms unloads, OLLAMA_CONTEXT_LENGTH 8192',
    fake: {
      memoryBytes: 32e9,
      gpus: [{ vramBytes: 24 * GiB }],
      numParallel: 2,
      maxLoadedModels: 3,
      unloadDelayMs: 800,
      defaultNumCtx: 8192,
    },
    totalBytes: 16e9,
    yaml:
      'ollama:\n  numParallel: 2\n  maxLoadedModels: 3\n  contextLength: 8192\nram:\n  budget: ' +
      '"100%"\n  bufferBytes: 0\n',
  },
];

/** Models installed beside the trace's own in the wider run: one much larger than the rest (issue 33's host had mixtral), and another small general model. */
export const WIDER = ['mixtral:8x7b', 'gemma3:4b'];

export const startFake = (mode: Mode, models: readonly string[] = MODELS) =>
  FakeOllama.start({
    loadDelayMs: 0,
    loadMsPerGB: LOAD_MS_PER_GB,
    tokenDelayMs: 0,
    models: DEFAULT_REGISTRY.filter((m) => models.includes(m.name)),
    ...mode.fake,
  });

interface RunResult {
  stats: FakeStats;
  wallMs: number;
  misrouted: string[];
  /** task -> model -> requests served */
  served?: Map<string, Map<string, number>>;
  /** The model that served each request, in order, and each model's size as /api/ps reported it (for the offline optimum). */
  sequence: string[];
  sizes: Map<string, number>;
}

async function runDirect(mode: Mode, trace: TaskType[]): Promise<RunResult> {
  const fake = await startFake(mode);
  const sizes = new Map<string, number>();
  const t0 = performance.now();
  try {
    for (const task of trace) {
      const res = await fetch(`${fake.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({
          model: DIRECT[task],
          prompt: `${task} work`,
          stream: false,
          options: { num_predict: 8 },
        }),
      });
      await res.text();
      await noteSizes(fake, sizes);
    }
    return {
      stats: fake.stats(),
      wallMs: performance.now() - t0,
      misrouted: [],
      sequence: trace.map((t) => DIRECT[t]!),
      sizes,
    };
  } finally {
    await fake.stop();
  }
}

type Core = Awaited<ReturnType<typeof coreFor>>;
/** Serves request `i` of kind `task`; returns the model that served it. */
type Serve = (core: Core, task: TaskType, i: number) => Promise<string>;

/** Replays the trace through ollm-mcp, checking where code and image work went. */
async function runThrough(
  mode: Mode,
  trace: TaskType[],
  serve: Serve,
  models: readonly string[] = MODELS,
): Promise<RunResult> {
  const fake = await startFake(mode, models);
  const core = await coreFor(fake, { totalBytes: mode.totalBytes, yaml: mode.yaml });
  const misrouted: string[] = [];
  const served = new Map<string, Map<string, number>>();
  const sequence: string[] = [];
  const sizes = new Map<string, number>();
  const t0 = performance.now();
  try {
    for (const [i, task] of trace.entries()) {
      const model = await serve(core, task, i);
      sequence.push(model);
      await noteSizes(fake, sizes);
      const byModel = served.get(task) ?? new Map<string, number>();
      byModel.set(model, (byModel.get(model) ?? 0) + 1);
      served.set(task, byModel);
      const card = (await core.catalog.get(model))!;
      if (task === 'code' && !isCodeSpecialist(card)) misrouted.push(`${i}: code → ${model}`);
      if (task === 'vision' && !card.capabilities.includes('vision')) misrouted.push(`${i}: vision → ${model}`);
    }
    return { stats: fake.stats(), wallMs: performance.now() - t0, misrouted, served, sequence, sizes };
  } finally {
    await core.metrics.close();
    await fake.stop();
  }
}

/** (b) smart_load for the task, then a plain generate on the chosen model. */
const smartLoadThenGenerate: Serve = async (core, task, i) => {
  const loaded = await smartLoad(core, { task });
  if (loaded.action !== 'loaded' && loaded.action !== 'already_loaded')
    throw new Error(`request ${i} (${task}): ${loaded.reason}`);
  const done = core.loader.begin(loaded.model);
  try {
    await (core.backend as OllamaBackend).call('generate', (c) =>
      c.generate({
        model: loaded.model,
        prompt: `${task} work`,
        keep_alive: loaded.keepAlive,
        options: { num_ctx: loaded.contextLength, num_predict: 8 },
      }),
    );
  } finally {
    done();
  }
  return loaded.model;
};

/** (c) the whole tool path: route_and_generate per request (images attached to vision work). */
const routed: Serve = async (core, task, i) => {
  const prompts = PROMPTS[task]!;
  const r = await routeAndGenerate(core, {
    prompt: prompts[i % prompts.length]!,
    task,
    maxTokens: 8,
    ...(task === 'vision' && { images: ['aGVsbG8='] }),
  });
  if (r.fallbacks.length) throw new Error(`request ${i} (${task}) needed fallbacks: ${JSON.stringify(r.fallbacks)}`);
  return r.model;
};

const evictions = (s: FakeStats, reason: string) => s.forcedEvictions.filter((e) => e.reason === reason).length;
const describe = (label: string, r: RunResult) =>
  `trace: ${label}: ${r.stats.loads} loads, load time ${(r.stats.loadMs / 1000).toFixed(2)} ` +
  `s, evictions by Ollama ${r.stats.forcedEvictions.length} (memory ` +
  `${evictions(r.stats, 'memory')}, count ${evictions(r.stats, 'count')}), failed loads ` +
  `${r.stats.failedLoads.length + r.stats.refusedLoads.length}, swapping loads ` +
  `${r.stats.swapLoads.length}, reloads ${r.stats.reloads.length}, peak RAM ` +
  `${(r.stats.peakUsedBytes / 1e9).toFixed(2)} GB, peak VRAM ` +
  `${(r.stats.peakVramBytes / 1e9).toFixed(2)} GB, wall ${(r.wallMs / 1000).toFixed(2)} s`;
const servedLine = (label: string, r: RunResult) =>
  `trace: ${label} served ` +
  `${[...(r.served ?? [])].map(([task, models]) => `${task} → ${[...models].map(([m, n]) => `${m} ×${n}`).join(', ')}`).join('; ')}`;
const clean = (r: RunResult) =>
  r.stats.forcedEvictions.length === 0 &&
  r.stats.failedLoads.length === 0 &&
  r.stats.refusedLoads.length === 0 &&
  r.stats.swapLoads.length === 0 &&
  r.misrouted.length === 0;

/**
 * Each run's load time against the offline optimum for the models it served, on this host (issue 73,
 * finding 5). The goal, ≤ 1.10× at the issue's precision (two decimals), is the CPU host's, the
 * issue's: there the eviction that decides it is forced by memory. On the GPU host the choice at a
 * burst's end between models each wanted once a round is one only a loader knowing the order wins
 * (1.21× there on 6aede39 too): printed, with no goal.
 */
function optimumLine(mode: Mode, direct: RunResult, runs: Array<[string, RunResult]>): { ok: boolean; line: string } {
  const sizes = new Map<string, number>();
  for (const r of [direct, ...runs.map(([, x]) => x)])
    for (const [m, b] of r.sizes) sizes.set(m, Math.max(sizes.get(m) ?? 0, b));
  const host = hostFor(mode, sizes, LOAD_MS_PER_GB);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const parts = runs.map(([label, r]) => ({ label, r, ...toOptimum(r.stats.loadMs, r.sequence, host) }));
  const goal = !mode.fake.gpus;
  const ok = !goal || parts.every((p) => Math.round(p.ratio * 100) / 100 <= OPTIMUM_GOAL);
  const each = parts.map(
    (p) => `${p.label} ${s(p.r.stats.loadMs)} = ${p.ratio.toFixed(3)}× its optimum ${s(p.optimum)}`,
  );
  const verdict = goal ? `(goal ≤ ${OPTIMUM_GOAL.toFixed(2)}) ${ok ? 'OK' : 'MISSED'}` : '(no goal on this host)';
  const own = s(toOptimum(direct.stats.loadMs, direct.sequence, host).optimum);
  return {
    ok,
    line:
      `trace: load time against the offline optimum for the models served: direct's own ${own}; ` +
      `${each.join('; ')} ${verdict}`,
  };
}

export async function benchTrace(): Promise<{ ok: boolean; lines: string[] }> {
  const trace = makeTrace();
  const counts = TASKS.map((t) => `${t} ${trace.filter((x) => x === t).length}`).join(', ');
  const lines = [`trace: ${trace.length} requests in bursts (${counts}); ${LOAD_MS_PER_GB} ms load per GB`];
  let ok = true;
  for (const mode of MODES) {
    const direct = await runDirect(mode, trace);
    const smart = await runThrough(mode, trace, smartLoadThenGenerate);
    const viaTool = await runThrough(mode, trace, routed);
    // the same trace with a much larger model installed too: fast work must never reach it
    const wider = await runThrough(mode, trace, routed, [...MODELS, ...WIDER]);
    const onBig = wider.served?.get('fast')?.get('mixtral:8x7b') ?? 0;
    const ratio = smart.stats.loadMs / direct.stats.loadMs;
    const routedRatio = viaTool.stats.loadMs / direct.stats.loadMs;
    const widerRatio = wider.stats.loadMs / direct.stats.loadMs;
    const withinDirect = ratio <= 0.6 && routedRatio <= 0.6;
    // The check (npm run bench -- check) judges the CPU host's load time by its later goal, against the offline
    // optimum (optimumLine, issue 73): there the optimum itself is 0.57× direct, and 0.60× would need ≤ 1.05× of
    // it. Run as a bench, the 0.60 stays a goal, printed as met or missed.
    const judgedByOptimum = process.env.OLLM_BENCH_CHECK === '1' && !mode.fake.gpus;
    const good = clean(smart) && clean(viaTool) && (withinDirect || judgedByOptimum);
    ok &&= good;
    const misrouted = (r: RunResult) =>
      `${r.misrouted.length}${r.misrouted.length ? ` (${r.misrouted.slice(0, 3).join('; ')}…)` : ''}`;
    lines.push(
      `trace [${mode.name}]`,
      describe('direct, fixed model per task', direct),
      describe('ollm-mcp smart_load + generate', smart),
      servedLine('smart_load', smart),
      describe('ollm-mcp route_and_generate', viaTool),
      servedLine('route_and_generate', viaTool),
      `trace: load time smart_load / direct = ${ratio.toFixed(2)}, route_and_generate / direct = ` +
        `${routedRatio.toFixed(2)} (goal ≤ 0.60${withinDirect ? '' : ': missed'}` +
        `${judgedByOptimum ? '; the check judges this host against the optimum, below' : ''}); code off ` +
        `specialists or images off vision models: ${misrouted(smart)} / ${misrouted(viaTool)} ` +
        `${good ? 'OK' : 'MISSED'}`,
      describe(`route_and_generate with ${WIDER.join(' and ')} installed too`, wider),
      servedLine('with them, route_and_generate', wider),
      `trace: with them, route_and_generate / direct = ${widerRatio.toFixed(2)}; fast work on ` +
        `mixtral:8x7b: ${onBig} (goal 0) ${onBig === 0 ? 'OK' : 'MISSED'}`,
    );
    ok &&= onBig === 0;
    const optimum = optimumLine(mode, direct, [
      ['smart_load', smart],
      ['route_and_generate', viaTool],
      [`with ${WIDER.join(' and ')}`, wider],
    ]);
    ok &&= optimum.ok;
    lines.push(optimum.line);
  }
  return { ok, lines };
}
