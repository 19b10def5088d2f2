// OpenAI-compatible hosts in the pool: they answer when Ollama is down or every local model failed.
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { coreFor } from '../helpers/core.js';

let ollama: FakeOllama | undefined;
const engines: FakeOpenAI[] = [];
afterEach(async () => {
  await ollama?.stop();
  ollama = undefined;
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

async function engine(reply: string, opts: { apiKey?: string } = {}): Promise<FakeOpenAI> {
  const e = await FakeOpenAI.start({ reply, tokenDelayMs: 1, ...opts });
  engines.push(e);
  return e;
}

const hostsYaml = (
  ...hosts: Array<{ name: string; url: string; model?: string; priority?: number; tokenEnv?: string }>
) =>
  `hosts:\n${hosts.map((h) => `  - name: ${h.name}\n    kind: openai\n    url: ${h.url}\n${h.model ? `    model: "${h.model}"\n` : ''}${h.priority !== undefined ? `    priority: ${h.priority}\n` : ''}${h.tokenEnv ? `    tokenEnv: ${h.tokenEnv}\n` : ''}`).join('')}`;

describe('OpenAI-compatible hosts are members of the fleet', () => {
  it('with Ollama down, an OpenAI-compatible host answers, streamed, and the result names it', async () => {
    ollama = await FakeOllama.start();
    const vllm = await engine('Paris is the capital of France.');
    const core = await coreFor(ollama, {
      yaml: hostsYaml({ name: 'vllm', url: vllm.url, model: 'meta-llama/Llama-3.2-3B-Instruct' }),
    });
    await ollama.setOffline(true);
    const tokens: number[] = [];
    const r = await routeAndGenerate(core, {
      prompt: 'What is the capital of France?',
      onProgress: (n) => tokens.push(n),
    });
    expect(r).toMatchObject({
      provider: 'openai',
      host: 'vllm',
      model: 'meta-llama/Llama-3.2-3B-Instruct',
      text: 'Paris is the capital of France.',
    });
    expect(r.fallbacks[0]!.error).toMatch(/Ollama is not reachable/);
    expect(r.reason).toMatch(/ on vllm /);
    expect(tokens.length).toBeGreaterThan(0);
    expect(vllm.requestsTo('/v1/chat/completions')[0]!.body).toMatchObject({
      stream: true,
      model: 'meta-llama/Llama-3.2-3B-Instruct',
    });
  });

  it('hosts are tried in priority order; a host that is down is skipped for a while, the next one answers', async () => {
    ollama = await FakeOllama.start();
    const first = await engine('from first');
    const second = await engine('from second');
    const core = await coreFor(ollama, {
      yaml: hostsYaml({ name: 'b', url: second.url, priority: 2 }, { name: 'a', url: first.url, priority: 1 }),
    });
    await ollama.setOffline(true);
    expect((await routeAndGenerate(core, { prompt: 'Say hi' })).host).toBe('a');
    await first.setOffline(true);
    const r = await routeAndGenerate(core, { prompt: 'Say hi' });
    expect(r).toMatchObject({ host: 'b', text: 'from second' });
    expect(r.fallbacks.find((f) => f.model === 'OpenAI-compatible a')!.error).toMatch(/not reachable/);
    const before = first.stats().paths['/v1/chat/completions'] ?? 0;
    await first.setOffline(false);
    const again = await routeAndGenerate(core, { prompt: 'Say hi' });
    expect(again.host).toBe('b'); // a is cooling down: not asked again yet
    expect(again.fallbacks.find((f) => f.model === 'OpenAI-compatible a')!.error).toMatch(/skipped for now/);
    expect(first.stats().paths['/v1/chat/completions'] ?? 0).toBe(before);
  });

  it('the fallback block is a host of the lowest priority: it answers when every local model failed', async () => {
    ollama = await FakeOllama.start();
    const cloud = await engine('fallback answer', { apiKey: 'sk-test-123' });
    const core = await coreFor(ollama, {
      yaml:
        `fallback:\n  baseURL: ${cloud.url}\n  model: meta-llama/Llama-3.2-3B-Instruct\n  ` +
        `apiKeyEnv: FALLBACK_KEY_FOR_TEST\n`,
      env: {},
    });
    process.env.FALLBACK_KEY_FOR_TEST = 'sk-test-123';
    try {
      for (let i = 0; i < 4; i++)
        ollama.failNext('/api/generate', 500, 'llama-server process has terminated: exit status 2');
      const r = await routeAndGenerate(core, { prompt: 'Explain DNS in one sentence', task: 'general' });
      expect(r).toMatchObject({
        provider: 'fallback',
        host: 'fallback',
        model: 'meta-llama/Llama-3.2-3B-Instruct',
        text: 'fallback answer',
      });
      expect(r.reason).toMatch(/the configured cloud fallback/);
      expect(JSON.stringify(r)).not.toContain('sk-test-123');
    } finally {
      delete process.env.FALLBACK_KEY_FOR_TEST;
    }
  });

  it('with Ollama down and no host configured, the error still names Ollama and what to do', async () => {
    ollama = await FakeOllama.start();
    const core = await coreFor(ollama);
    await ollama.setOffline(true);
    await expect(routeAndGenerate(core, { prompt: 'Say hi' })).rejects.toThrow(
      /Ollama is not reachable .*ollama serve/,
    );
  });
});

describe('ollm://fleet and doctor see every host', () => {
  it(
    'lists the Ollama host with its capacity and each engine with a cheap health check; doctor ' +
      'warns of the one that is down',
    async () => {
      ollama = await FakeOllama.start();
      const up = await engine('hi');
      const down = await engine('hi');
      const core = await coreFor(ollama, {
        yaml: hostsYaml({ name: 'up', url: up.url }, { name: 'down', url: down.url }),
      });
      await down.setOffline(true);
      const before = up.stats().paths['/v1/chat/completions'] ?? 0;
      const fleet = await core.fleetStatus();
      expect(fleet.hosts.map((h) => [h.name, h.kind])).toEqual([
        ['ollama', 'ollama'],
        ['up', 'openai'],
        ['down', 'openai'],
      ]);
      expect(fleet.hosts[0]).toMatchObject({ reachable: true, capacity: { source: 'this machine' } });
      expect(fleet.hosts[1]).toMatchObject({ reachable: true, managesMemory: false });
      expect(fleet.hosts[2]).toMatchObject({ reachable: false, managesMemory: false });
      expect(up.stats().paths['/v1/chat/completions'] ?? 0).toBe(before); // health never generates
      const { runDoctor } = await import('../../src/orchestrator/doctor.js');
      const report = await runDoctor(core);
      expect(report.checks.find((c) => c.name === 'Host up')).toMatchObject({ level: 'ok' });
      expect(report.checks.find((c) => c.name === 'Host down')).toMatchObject({
        level: 'warn',
        fix: expect.stringMatching(/hosts\.down/),
      });
    },
  );
});
