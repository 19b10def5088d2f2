/**
 * Trace benchmark: a deterministic trace of bursty work (code, general, vision, fast, reasoning)
 * replayed against a fake Ollama with 12 GB of model memory and a load cost per GB, two ways:
 *   (a) direct — one fixed model per task, Ollama's own scheduler evicting as it likes;
 *   (b) ollm-mcp — smart_load for the task, then generate on the chosen model.
 * Goals for (b): zero overcommits, zero evictions forced on Ollama, total load time at most
 * 0.6× direct, no code work on a non-code model and no images on a non-vision model.
 */
import { routeAndGenerate } from '../src/orchestrator/route.js';
import { smartLoad } from '../src/orchestrator/smart-load.js';
import type { TaskType } from '../src/orchestrator/index.js';
import { DEFAULT_REGISTRY, FakeOllama, type FakeStats } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';

const MEMORY = 12e9;
const LOAD_MS_PER_GB = 40;
const TASKS: TaskType[] = ['code', 'general', 'vision', 'fast', 'reasoning'];
const MODELS = ['llama3.2:latest', 'qwen2.5-coder:7b', 'llava:7b', 'phi3:mini', 'qwen3:8b'];
/** Prompts of each kind, as an assistant would send them (their wording sets the inferred complexity). */
const PROMPTS: Record<string, string[]> = {
  code: [
    'Write a Python function that parses ISO 8601 dates and returns datetime objects, with tests.',
    'Refactor this JavaScript to use async/await:\n```js\nfetch(url).then(r => r.json()).then(show)\n```',
    'Why does this fail?\n```python\nitems = [1, 2]\nprint(items[2])\n```\nIndexError: list index out of range',
  ],
  general: ['Explain how HTTP caching works and when to use ETag versus Cache-Control.', 'What are the trade-offs between SQLite and PostgreSQL for a small web app?'],
  vision: ['What is in this image?', 'Read the text in this screenshot.'],
  fast: ['Capital of France?', 'Translate "good morning" to German.'],
  reasoning: ['Prove step by step that the square root of 2 is irrational.', 'A train leaves at 3pm at 60 km/h; another at 4pm at 80 km/h. When does the second catch up? Reason step by step.'],
};

/** What a caller without ollm-mcp would pick: the obvious model for each kind of work. */
const DIRECT: Record<string, string> = {
  code: 'qwen2.5-coder:7b',
  general: 'llama3.2:latest',
  vision: 'llava:7b',
  fast: 'phi3:mini',
  reasoning: 'qwen3:8b',
};

/**
 * Bursts of one kind of work, 3 to 9 requests long, from a fixed seed. Each round holds one burst
 * of every kind in a shuffled order, so every kind of work comes back again and again.
 */
export function makeTrace(rounds = 5, seed = 7): TaskType[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const trace: TaskType[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = [...TASKS];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const task of order) {
      const burst = 3 + Math.floor(next() * 7);
      for (let i = 0; i < burst; i++) trace.push(task);
    }
  }
  return trace;
}

async function startFake(): Promise<FakeOllama> {
  return FakeOllama.start({
    memoryBytes: MEMORY,
    loadDelayMs: 0,
    loadMsPerGB: LOAD_MS_PER_GB,
    tokenDelayMs: 0,
    models: DEFAULT_REGISTRY.filter((m) => MODELS.includes(m.name)),
  });
}

interface RunResult {
  stats: FakeStats;
  wallMs: number;
  misrouted: string[];
  /** task -> model -> requests served */
  served?: Map<string, Map<string, number>>;
}

async function runDirect(trace: TaskType[]): Promise<RunResult> {
  const fake = await startFake();
  const t0 = performance.now();
  try {
    for (const task of trace) {
      const res = await fetch(`${fake.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: DIRECT[task], prompt: `${task} work`, stream: false, options: { num_predict: 8 } }),
      });
      await res.text();
    }
    return { stats: fake.stats(), wallMs: performance.now() - t0, misrouted: [] };
  } finally {
    await fake.stop();
  }
}

type Core = Awaited<ReturnType<typeof coreFor>>;
/** Serves request `i` of kind `task`; returns the model that served it. */
type Serve = (core: Core, task: TaskType, i: number) => Promise<string>;

/** Replays the trace through ollm-mcp, checking where code and image work went. */
async function runThrough(trace: TaskType[], serve: Serve): Promise<RunResult> {
  const fake = await startFake();
  const core = await coreFor(fake, { totalBytes: MEMORY, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  const misrouted: string[] = [];
  const served = new Map<string, Map<string, number>>();
  const t0 = performance.now();
  try {
    for (const [i, task] of trace.entries()) {
      const model = await serve(core, task, i);
      const byModel = served.get(task) ?? new Map<string, number>();
      byModel.set(model, (byModel.get(model) ?? 0) + 1);
      served.set(task, byModel);
      const card = (await core.catalog.get(model))!;
      if (task === 'code' && !card.profiles.includes('code')) misrouted.push(`${i}: code → ${model}`);
      if (task === 'vision' && !card.capabilities.includes('vision')) misrouted.push(`${i}: vision → ${model}`);
    }
    return { stats: fake.stats(), wallMs: performance.now() - t0, misrouted, served };
  } finally {
    await core.metrics.close();
    await fake.stop();
  }
}

/** (b) smart_load for the task, then a plain generate on the chosen model. */
const smartLoadThenGenerate: Serve = async (core, task, i) => {
  const loaded = await smartLoad(core, { task });
  if (loaded.action !== 'loaded' && loaded.action !== 'already_loaded') throw new Error(`request ${i} (${task}): ${loaded.reason}`);
  const done = core.loader.begin(loaded.model);
  try {
    await core.backend.call('generate', (c) =>
      c.generate({ model: loaded.model, prompt: `${task} work`, keep_alive: loaded.keepAlive, options: { num_ctx: loaded.contextLength, num_predict: 8 } }),
    );
  } finally {
    done();
  }
  return loaded.model;
};

/** (c) the whole tool path: route_and_generate per request (images attached to vision work). */
const routed: Serve = async (core, task, i) => {
  const prompts = PROMPTS[task]!;
  const r = await routeAndGenerate(core, { prompt: prompts[i % prompts.length]!, task, maxTokens: 8, ...(task === 'vision' && { images: ['aGVsbG8='] }) });
  if (r.fallbacks.length) throw new Error(`request ${i} (${task}) needed fallbacks: ${JSON.stringify(r.fallbacks)}`);
  return r.model;
};

export async function benchTrace(): Promise<{ ok: boolean; lines: string[] }> {
  const trace = makeTrace();
  const counts = TASKS.map((t) => `${t} ${trace.filter((x) => x === t).length}`).join(', ');
  const direct = await runDirect(trace);
  const smart = await runThrough(trace, smartLoadThenGenerate);
  const viaTool = await runThrough(trace, routed);
  const ratio = smart.stats.loadMs / direct.stats.loadMs;
  const routedRatio = viaTool.stats.loadMs / direct.stats.loadMs;
  const describe = (label: string, r: RunResult) =>
    `trace: ${label}: ${r.stats.loads} loads, load time ${(r.stats.loadMs / 1000).toFixed(2)} s, forced evictions ${r.stats.forcedEvictions.length}, refused loads (overcommit) ${r.stats.refusedLoads.length}, peak ${(r.stats.peakUsedBytes / 1e9).toFixed(2)} GB of 12 GB, wall ${(r.wallMs / 1000).toFixed(2)} s`;
  const clean = (r: RunResult) => r.stats.forcedEvictions.length === 0 && r.stats.refusedLoads.length === 0 && r.misrouted.length === 0;
  const ok = clean(smart) && clean(viaTool) && ratio <= 0.6 && routedRatio <= 0.6;
  return {
    ok,
    lines: [
      `trace: ${trace.length} requests in bursts (${counts}); ${LOAD_MS_PER_GB} ms load per GB`,
      describe('direct, fixed model per task', direct),
      describe('ollm-mcp smart_load + generate', smart),
      `trace: ollm-mcp served ${[...(smart.served ?? [])].map(([task, models]) => `${task} → ${[...models].map(([m, n]) => `${m} ×${n}`).join(', ')}`).join('; ')}`,
      `trace: load time smart_load / direct = ${ratio.toFixed(2)} (goal ≤ 0.60); misrouted code/vision requests ${smart.misrouted.length}${smart.misrouted.length ? ` (${smart.misrouted.join('; ')})` : ''}`,
      describe('ollm-mcp route_and_generate', viaTool),
      `trace: route_and_generate served ${[...(viaTool.served ?? [])].map(([task, models]) => `${task} → ${[...models].map(([m, n]) => `${m} ×${n}`).join(', ')}`).join('; ')}`,
      `trace: load time route_and_generate / direct = ${routedRatio.toFixed(2)} (goal ≤ 0.60); misrouted ${viaTool.misrouted.length} ${ok ? 'OK' : 'MISSED'}`,
    ],
  };
}
