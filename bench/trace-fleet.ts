/**
 * Fleet trace benchmark: the bursty trace of bench/trace replayed over two Ollama hosts — a
 * 16 GB CPU machine and a 24 GiB GPU box (32 GB RAM) — three ways:
 *   (a) round-robin per request, as a plain load balancer does, one fixed model per task;
 *   (b) ollm-mcp: route_and_generate with both hosts configured;
 *   (c) the offline optimum: every model the work needs loaded once, somewhere it fits.
 * Goals for (b): no eviction by Ollama itself (memory or count), no failed load, no swapping,
 * load time at most 0.5× round-robin.
 */
import { routeAndGenerate } from '../src/orchestrator/jobs/route.js';
import type { TaskType } from '../src/orchestrator/index.js';
import { DEFAULT_REGISTRY, FakeOllama, type FakeStats } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';
import { DIRECT, makeTrace, MODELS, PROMPTS } from './trace-data.js';

const LOAD_MS_PER_GB = 40;
const GiB = 1024 ** 3;

async function startHosts(): Promise<[FakeOllama, FakeOllama]> {
  const models = DEFAULT_REGISTRY.filter((m) => MODELS.includes(m.name));
  const common = { loadDelayMs: 0, loadMsPerGB: LOAD_MS_PER_GB, tokenDelayMs: 0, models };
  return Promise.all([
    FakeOllama.start({ ...common, memoryBytes: 16e9, admission: 'ollama', maxLoadedModels: 3 }),
    FakeOllama.start({
      ...common,
      memoryBytes: 32e9,
      gpus: [{ vramBytes: 24 * GiB }],
      maxLoadedModels: 3,
      defaultNumCtx: 8192,
    }),
  ]) as Promise<[FakeOllama, FakeOllama]>;
}

const total = (a: FakeStats, b: FakeStats) => ({
  loads: a.loads + b.loads,
  loadMs: a.loadMs + b.loadMs,
  evictions: a.forcedEvictions.length + b.forcedEvictions.length,
  failed: a.failedLoads.length + b.failedLoads.length + a.refusedLoads.length + b.refusedLoads.length,
  swapping: a.swapLoads.length + b.swapLoads.length,
});
type Totals = ReturnType<typeof total>;

async function roundRobin(trace: TaskType[]): Promise<Totals> {
  const hosts = await startHosts();
  try {
    for (const [i, task] of trace.entries()) {
      const res = await fetch(`${hosts[i % 2]!.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({
          model: DIRECT[task],
          prompt: `${task} work`,
          stream: false,
          options: { num_predict: 8 },
        }),
      });
      await res.text();
    }
    return total(hosts[0].stats(), hosts[1].stats());
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

async function throughFleet(trace: TaskType[]): Promise<Totals & { placed: Map<string, number>; models: Set<string> }> {
  const [cpu, gpu] = await startHosts();
  const yaml = [
    'ollama:',
    '  capacity: {ram: 16GB}',
    '  contextLength: 4096',
    'hosts:',
    `  - {name: gpubox, kind: ollama, url: "${gpu.url}", capacity: {ram: 32GB, vram: 24GiB}, contextLength: 8192}`,
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ].join('\n');
  const core = await coreFor(cpu, { totalBytes: 16e9, yaml });
  const placed = new Map<string, number>();
  const models = new Set<string>();
  try {
    for (const [i, task] of trace.entries()) {
      const prompts = PROMPTS[task]!;
      const r = await routeAndGenerate(core, {
        prompt: prompts[i % prompts.length]!,
        task,
        maxTokens: 8,
        ...(task === 'vision' && { images: ['aGVsbG8='] }),
      });
      const key = `${r.model}@${r.host ?? 'ollama'}`;
      placed.set(key, (placed.get(key) ?? 0) + 1);
      models.add(r.model);
    }
    return { ...total(cpu.stats(), gpu.stats()), placed, models };
  } finally {
    await core.metrics.close();
    await Promise.all([cpu.stop(), gpu.stop()]);
  }
}

/** The offline optimum's load time: each model the work was served with, loaded once (both hosts hold them all at once). */
async function optimum(models: Set<string>): Promise<number> {
  const [probe] = await startHosts();
  try {
    for (const m of models) {
      const res = await fetch(`${probe.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: m, options: { num_ctx: 4096 } }),
      });
      await res.text();
    }
    return probe.stats().loadMs;
  } finally {
    await probe.stop();
  }
}

export async function benchTraceFleet(): Promise<{ ok: boolean; lines: string[] }> {
  const trace = makeTrace();
  const rr = await roundRobin(trace);
  const fleet = await throughFleet(trace);
  const best = await optimum(fleet.models);
  const ratio = fleet.loadMs / rr.loadMs;
  const ok = fleet.evictions === 0 && fleet.failed === 0 && fleet.swapping === 0 && ratio <= 0.5;
  const line = (label: string, t: Totals) =>
    `trace-fleet: ${label}: ${t.loads} loads, load time ${(t.loadMs / 1000).toFixed(2)} s, ` +
    `evictions by Ollama ${t.evictions}, failed loads ${t.failed}, swapping loads ${t.swapping}`;
  return {
    ok,
    lines: [
      `trace-fleet: ${trace.length} requests over a 16 GB CPU host and a 24 GiB GPU host; ` +
        `${LOAD_MS_PER_GB} ms load per GB`,
      line('round-robin, fixed model per task', rr),
      line('ollm-mcp route_and_generate', fleet),
      `trace-fleet: ollm-mcp placed ${[...fleet.placed].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
      `trace-fleet: offline optimum (each model it served with, loaded once) ${(best / 1000).toFixed(2)} s`,
      `trace-fleet: load time ollm-mcp / round-robin = ${ratio.toFixed(2)} (goal ≤ 0.50), / ` +
        `optimum = ${(fleet.loadMs / best).toFixed(2)} ${ok ? 'OK' : 'MISSED'}`,
    ],
  };
}
