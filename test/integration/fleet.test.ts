// Two Ollama hosts (a 16 GB CPU machine and a 24 GiB GPU box) and an OpenAI-compatible engine as one pool.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { coreFor } from '../helpers/core.js';

const GiB = 1024 ** 3;
const fakes: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function fleet(opts: { onlyOnGpu?: string[]; engine?: boolean } = {}) {
  const cpuModels = DEFAULT_REGISTRY.filter((m) => !(opts.onlyOnGpu ?? []).includes(m.name));
  const cpu = await FakeOllama.start({
    memoryBytes: 16e9,
    admission: 'ollama',
    models: cpuModels,
    tokenDelayMs: 0,
    loadDelayMs: 1,
  });
  const gpu = await FakeOllama.start({
    memoryBytes: 32e9,
    gpus: [{ vramBytes: 24 * GiB }],
    models: DEFAULT_REGISTRY,
    tokenDelayMs: 0,
    loadDelayMs: 1,
    defaultNumCtx: 4096,
  });
  fakes.push(cpu, gpu);
  const engine = opts.engine ? await FakeOpenAI.start({ reply: 'from the engine', tokenDelayMs: 1 }) : undefined;
  if (engine) fakes.push(engine);
  const yaml = [
    'ollama:',
    '  capacity: {ram: 16GB}',
    'hosts:',
    '  - name: gpubox',
    '    kind: ollama',
    `    url: ${gpu.url}`,
    '    capacity: {ram: 32GB, vram: 24GiB}',
    '    contextLength: 4096',
    ...(engine
      ? ['  - name: vllm', '    kind: openai', `    url: ${engine.url}`, '    model: meta-llama/Llama-3.2-3B-Instruct']
      : []),
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ].join('\n');
  const core = await coreFor(cpu, { yaml, totalBytes: 16e9 });
  return { cpu, gpu, engine, core };
}

describe('placement across Ollama hosts', () => {
  it('a model already loaded on one host is used there, and the result names the host', async () => {
    const { cpu, gpu, core } = await fleet();
    await core.hosts.find((h) => h.name === 'gpubox')!.loader.ensureLoaded({ model: 'qwen2.5-coder:7b' });
    const r = await routeAndGenerate(core, { prompt: 'Write a Go function that reverses a slice', task: 'code' });
    expect(r).toMatchObject({ provider: 'ollama', model: 'qwen2.5-coder:7b', host: 'gpubox' });
    expect(r.reason).toMatch(/already loaded on gpubox/);
    expect(cpu.loaded()).toEqual([]);
    expect(gpu.stats().forcedEvictions).toEqual([]);
  });

  it('a model installed on one host only (here every vision model) is run there', async () => {
    const { cpu, core } = await fleet({ onlyOnGpu: ['llava:7b', 'gemma3:4b'] });
    const r = await routeAndGenerate(core, { prompt: 'What is in this picture?', images: ['aGVsbG8='] });
    expect(r.host).toBe('gpubox');
    expect(['llava:7b', 'gemma3:4b']).toContain(r.model); // the vision models, installed there only
    expect(cpu.requests.filter((q) => q.path === '/api/generate')).toEqual([]);
  });

  it(
    'a host going down mid-run: the request moves to the other host, the down host is skipped ' +
      'for a while, then asked again',
    async () => {
      const { cpu, gpu, core } = await fleet();
      await core.hosts.find((h) => h.name === 'gpubox')!.loader.ensureLoaded({ model: 'llama3.2' });
      gpu.setOffline(true);
      const r = await routeAndGenerate(core, { prompt: 'Explain what DNS does in two sentences', task: 'general' });
      expect(r.host).toBe('ollama');
      expect(r.fallbacks.some((f) => /gpubox/.test(f.model) && /not reachable/.test(f.error))).toBe(true);
      const asked = gpu.requests.length;
      const next = await routeAndGenerate(core, { prompt: 'Explain what TCP does in two sentences', task: 'general' });
      expect(next.host).toBe('ollama');
      expect(gpu.requests.length).toBe(asked); // cooling down: not asked at all
      expect(next.fallbacks.find((f) => f.model === 'Ollama gpubox')!.error).toMatch(/skipped for now/);
      gpu.setOffline(false);
      core.hostCooldown.down('gpubox', 'long ago', Date.now() - 60_000); // the cooldown has run out
      const back = await routeAndGenerate(core, { prompt: 'Say hi', task: 'general' });
      expect(back.fallbacks).toEqual([]);
      expect(cpu.stats().forcedEvictions).toEqual([]);
    },
  );

  it('with every Ollama down, the OpenAI-compatible host answers', async () => {
    const { cpu, gpu, core } = await fleet({ engine: true });
    cpu.setOffline(true);
    gpu.setOffline(true);
    const r = await routeAndGenerate(core, { prompt: 'Say hi' });
    expect(r).toMatchObject({ provider: 'openai', host: 'vllm', text: 'from the engine' });
    expect(r.fallbacks.map((f) => f.model).sort()).toEqual(['Ollama gpubox', 'Ollama ollama']);
  });

  it('ollm://fleet lists both Ollama hosts with their capacity and source, and the engine', async () => {
    const { core } = await fleet({ engine: true });
    await core.hosts.find((h) => h.name === 'gpubox')!.loader.ensureLoaded({ model: 'phi3:mini' });
    const { hosts } = await core.fleetStatus();
    expect(hosts.map((h) => [h.name, h.kind])).toEqual([
      ['ollama', 'ollama'],
      ['gpubox', 'ollama'],
      ['vllm', 'openai'],
    ]);
    expect(hosts[0]).toMatchObject({ reachable: true, capacity: { kind: 'cpu', source: 'settings' } });
    expect(hosts[1]).toMatchObject({
      reachable: true,
      capacity: { kind: 'gpu', source: 'settings', vramTotalBytes: 24 * GiB },
      loaded: [{ name: 'phi3:mini' }],
    });
    expect(hosts[2]).toMatchObject({ reachable: true, managesMemory: false });
  });
});

describe('managing the fleet', () => {
  it(
    'smart_load goes to the host that has the model, refuses ambiguity, and takes a named host; ' +
      'pull goes to the named host; delete removes from one host only',
    async () => {
      const { cpu, gpu, core } = await fleet({ onlyOnGpu: ['llava:7b'] });
      const { smartLoad } = await import('../../src/orchestrator/jobs/smart-load.js');
      const { deleteModel } = await import('../../src/orchestrator/jobs/delete.js');
      expect(await smartLoad(core, { model: 'llava:7b' })).toMatchObject({ action: 'loaded', host: 'gpubox' });
      await expect(smartLoad(core, { model: 'phi3:mini' })).rejects.toThrow(
        /installed on several Ollama hosts \(ollama, gpubox\) — name the one with host/,
      );
      expect(await smartLoad(core, { model: 'phi3:mini', host: 'gpubox' })).toMatchObject({
        action: 'loaded',
        host: 'gpubox',
      });
      await expect(smartLoad(core, { model: 'phi3:mini', host: 'nowhere' })).rejects.toThrow(
        /no Ollama host "nowhere" — the hosts are ollama, gpubox/,
      );
      expect(cpu.loaded()).toEqual([]);

      const target = await core.pickHost({ host: 'ollama' });
      expect((await target.puller.pull({ model: 'llava:7b' })).status).toBe('pulled');
      expect(cpu.installed().some((m) => m.name === 'llava:7b')).toBe(true);
      expect(gpu.requests.some((q) => q.path === '/api/pull')).toBe(false);

      await deleteModel(core, { model: 'qwen3:8b', host: 'ollama' });
      expect(cpu.installed().some((m) => m.name === 'qwen3:8b')).toBe(false);
      expect(gpu.installed().some((m) => m.name === 'qwen3:8b')).toBe(true);
      await expect(deleteModel(core, { model: 'gemma3:4b' })).rejects.toThrow(/installed on several Ollama hosts/);
    },
  );

  it('list_models shows each model with its host', async () => {
    const { core } = await fleet({ onlyOnGpu: ['llava:7b'] });
    const list = await core.listModels();
    expect(list.models.filter((m) => m.name === 'llava:7b').map((m) => m.host)).toEqual(['gpubox']);
    expect(
      list.models
        .filter((m) => m.name === 'phi3:mini')
        .map((m) => m.host)
        .sort(),
    ).toEqual(['gpubox', 'ollama']);
  });
});

describe('doctor checks every host', () => {
  it('an Ollama host that is down is a warning naming it; the one up reports its version, models and memory source', async () => {
    const { gpu, core } = await fleet({ engine: true });
    const { runDoctor } = await import('../../src/orchestrator/doctor.js');
    const ok = await runDoctor(core);
    expect(ok.checks.find((c) => c.name === 'Host gpubox')).toMatchObject({
      level: 'ok',
      detail: expect.stringMatching(
        /^Ollama 0\.33\.0 at .+: \d+ models installed, 0 loaded; memory from hosts\.gpubox\.capacity in settings/,
      ),
    });
    gpu.setOffline(true);
    const down = await runDoctor(core);
    expect(down.checks.find((c) => c.name === 'Host gpubox')).toMatchObject({
      level: 'warn',
      fix: expect.stringMatching(/hosts\.gpubox/),
    });
    expect(down.checks.find((c) => c.name === 'Host vllm')).toMatchObject({ level: 'ok' });
  });
});

describe('concurrent requests for one model', () => {
  it('use both hosts that hold it when one host has no free slot', async () => {
    const { cpu, gpu, core } = await fleet();
    await core.hosts.find((h) => h.name === 'ollama')!.loader.ensureLoaded({ model: 'llama3.2' });
    await core.hosts.find((h) => h.name === 'gpubox')!.loader.ensureLoaded({ model: 'llama3.2' });
    // each answer takes a while; the first host's long enough that its slot is still held while b is placed
    cpu.setLatency('/api/generate', 2000);
    gpu.setLatency('/api/generate', 150);
    const a = routeAndGenerate(core, { prompt: 'Write two sentences about rivers', model: 'llama3.2' });
    const first = core.hosts.find((h) => h.name === 'ollama')!;
    // the first request holds the first host's only slot
    await vi.waitFor(() => expect(first.loader.requestsOn('llama3.2:latest')).toBe(1), { timeout: 5000, interval: 5 });
    const b = routeAndGenerate(core, { prompt: 'Write two sentences about lakes', model: 'llama3.2' });
    const [ra, rb] = await Promise.all([a, b]);
    expect(new Set([ra.host, rb.host])).toEqual(new Set(['ollama', 'gpubox']));
  });
});
