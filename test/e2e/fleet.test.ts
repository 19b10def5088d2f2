// The built server with two Ollama hosts and an OpenAI-compatible engine, driven by the official client.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

const GiB = 1024 ** 3;
let cpu: FakeOllama;
let gpu: FakeOllama;
let engine: FakeOpenAI;
let home: string;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  cpu = await FakeOllama.start({
    memoryBytes: 16e9,
    admission: 'ollama',
    models: DEFAULT_REGISTRY.filter((m) => m.name !== 'llava:7b' && m.name !== 'gemma3:4b'),
    tokenDelayMs: 0,
  });
  gpu = await FakeOllama.start({
    memoryBytes: 32e9,
    gpus: [{ vramBytes: 24 * GiB }],
    defaultNumCtx: 4096,
    tokenDelayMs: 0,
  });
  engine = await FakeOpenAI.start({ reply: 'from the engine', tokenDelayMs: 1 });
  home = tempHome(
    [
      'ollama:',
      '  capacity: {ram: 16GB}',
      'hosts:',
      '  - {name: gpubox, kind: ollama, url: "' +
        gpu.url +
        '", capacity: {ram: 32GB, vram: 24GiB}, contextLength: 4096}',
      '  - {name: vllm, kind: openai, url: "' + engine.url + '", model: meta-llama/Llama-3.2-3B-Instruct}',
      'ram:',
      '  budget: "100%"',
      '  bufferBytes: 0',
      '',
    ].join('\n'),
  );
  session = await connect({ OLLM_HOME: home, OLLAMA_HOST: cpu.host });
});
afterAll(async () => {
  await session?.close();
  await Promise.all([cpu?.stop(), gpu?.stop(), engine?.stop()]);
  rmSync(home, { recursive: true, force: true });
});

const call = async (name: string, args: Record<string, unknown>) => {
  const res = await session.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
};

describe('a fleet end to end', () => {
  it('list_models shows each model with its host; a vision prompt runs on the only host with vision models', async () => {
    const list = await call('list_models', {});
    const llava = (list.out.models as Array<{ name: string; host?: string }>).filter((m) => m.name === 'llava:7b');
    expect(llava.map((m) => m.host)).toEqual(['gpubox']);
    const r = await call('route_and_generate', { prompt: 'What is in this picture?', images: ['aGVsbG8='] });
    expect(r.isError).toBe(false);
    expect(r.out).toMatchObject({ provider: 'ollama', host: 'gpubox' });
  });

  it('smart_load takes a host, refuses an ambiguous name, and ollm://fleet shows what is loaded where', async () => {
    const ambiguous = await call('smart_load', { model: 'phi3:mini' });
    expect(ambiguous.isError).toBe(true);
    expect(ambiguous.text).toMatch(/installed on several Ollama hosts \(ollama, gpubox\) — name the one with host/);
    const r = await call('smart_load', { model: 'phi3:mini', host: 'gpubox' });
    expect(r.out).toMatchObject({ action: 'loaded', host: 'gpubox' });
    const fleet = JSON.parse(
      ((await session.client.readResource({ uri: 'ollm://fleet' })).contents[0] as { text: string }).text,
    ) as { hosts: Array<{ name: string; kind: string; loaded?: Array<{ name: string }> }> };
    expect(fleet.hosts.map((h) => [h.name, h.kind])).toEqual([
      ['ollama', 'ollama'],
      ['gpubox', 'ollama'],
      ['vllm', 'openai'],
    ]);
    expect(fleet.hosts[1]!.loaded!.map((m) => m.name)).toContain('phi3:mini');
  });

  it('with every Ollama down, the OpenAI-compatible host answers', async () => {
    cpu.setOffline(true);
    gpu.setOffline(true);
    try {
      const r = await call('route_and_generate', { prompt: 'Say hi' });
      expect(r.isError).toBe(false);
      expect(r.out).toMatchObject({ provider: 'openai', host: 'vllm', text: 'from the engine' });
      expect(r.text).toMatch(/\n— \S+ on vllm: /);
    } finally {
      cpu.setOffline(false);
      gpu.setOffline(false);
    }
  });
});
