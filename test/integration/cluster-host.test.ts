/**
 * A host that schedules its own replicas (`cluster: true`, issue 64 Deliver 6): placed as one host
 * by the load figures it publishes (vLLM's /metrics here), never given a second copy of ollm-mcp's
 * making, and never steered to or from for a prompt's prefix — its own router does that.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const MODEL = 'llama3.2:latest';
const fakes: Array<{ stop(): Promise<void> }> = [];
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

/** The model loaded on an Ollama host (one slot), and served by a vLLM cluster of 8 slots behind one address. */
async function fleet(load: { running: number; waiting: number }) {
  const ollama = await FakeOllama.start({
    models: DEFAULT_REGISTRY.filter((m) => m.name === MODEL),
    memoryBytes: 16e9,
    tokenDelayMs: 10,
  });
  ollama.reply(oneTokenWords(40, 'w'));
  const cluster = await FakeOpenAI.start({
    models: [MODEL],
    reply: 'from the cluster',
    tokenDelayMs: 1,
    publishes: 'vllm',
    slots: 8,
  });
  cluster.setLoad(load); // before anything reads it (the figures are read at most once a second)
  fakes.push(ollama, cluster);
  const yaml = [
    'ollama:',
    '  capacity: {ram: 16GB}',
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
    'hosts:',
    `  - { name: cluster, kind: openai, url: "${cluster.url}", numParallel: 8, cluster: true }`,
  ].join('\n');
  const core = await coreFor(ollama, { totalBytes: 16e9, yaml });
  stops.push(() => core.shutdown(200));
  await smartLoad(core, { model: 'llama3.2', host: 'ollama' });
  return { ollama, cluster, core };
}

describe('a cluster behind one address', () => {
  it('its own figures free: a call beside a busy copy goes there, and nothing there is an extra copy', async () => {
    const { core } = await fleet({ running: 0, waiting: 0 });
    const [x, y] = await Promise.all(
      ['x', 'y'].map((agent) =>
        routeAndGenerate(core, {
          prompt: `question from ${agent}`,
          model: 'llama3.2',
          maxTokens: 40,
          agent,
          client: agent,
        }),
      ),
    );
    expect([x!.host, y!.host].sort()).toEqual(['cluster', 'ollama']);
    expect(core.fleet.extraCopies.list()).toEqual([]);
    const status = await core.fleetStatus();
    const c = status.hosts.find((h) => h.name === 'cluster') as {
      cluster?: boolean;
      loaded?: Array<{ extraCopy?: unknown }>;
    };
    expect(c.cluster).toBe(true);
    expect((c.loaded ?? []).every((l) => l.extraCopy === undefined)).toBe(true);
  });

  it('its own figures full (8 running, 6 waiting): the call waits for the Ollama copy instead', async () => {
    const { cluster, core } = await fleet({ running: 8, waiting: 6 });
    const before = cluster.requestsTo('/v1/chat/completions').length;
    const [x, y] = await Promise.all(
      ['x', 'y'].map((agent) =>
        routeAndGenerate(core, {
          prompt: `question from ${agent}`,
          model: 'llama3.2',
          maxTokens: 40,
          agent,
          client: agent,
        }),
      ),
    );
    expect([x!.host, y!.host]).toEqual(['ollama', 'ollama']);
    expect(cluster.requestsTo('/v1/chat/completions').length).toBe(before);
  });
});
