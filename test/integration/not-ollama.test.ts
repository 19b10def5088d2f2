/**
 * Another engine at the Ollama address (issue 83, finding 2): a llama-server (single or router) or
 * another OpenAI-compatible engine answers Ollama's /api/* with its own 404 — read before as a model
 * missing ("Model "that model" is not installed … pull it with `ollama pull that model`"). Now it is
 * asked what it is and named, with the `hosts:` entry that fits it, alike in doctor, list_models and
 * route_and_generate; a `hosts` entry of kind ollama is told its kind. The right side: a model missing
 * on a real (fake) Ollama is still "not installed — pull it with `ollama pull …`".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const memorySource = {
  memory: async () => ({ totalBytes: 16e9, availableBytes: 8e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
  gpus: async () => [],
};

let single: FakeLlamacpp;
let router: FakeLlamacpp;
let vllm: FakeOpenAI;
let ollama: FakeOllama;
beforeAll(async () => {
  single = await FakeLlamacpp.start({ models: [{ id: 'stories260k', file: STORIES }], router: false });
  router = await FakeLlamacpp.start({ models: [{ id: 'storiesA', file: STORIES }] });
  vllm = await FakeOpenAI.start({ models: ['qwen2.5-coder:7b'] });
  ollama = await FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => m.name === 'llama3.2:latest') });
});
afterAll(async () => {
  await Promise.all([single.stop(), router.stop(), vllm.stop(), ollama.stop()]);
});

async function orchAt(host: string, yaml = ''): Promise<Orchestrator> {
  const home = tempDir('ollm-home-');
  if (yaml) writeFileSync(join(home, 'config.yaml'), yaml);
  return new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: host } }), { memorySource });
}

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the call did not fail');
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MISREAD = /ollama pull|not installed|ollama serve|that model/;

describe.each([
  { what: 'a single llama-server', fake: () => single, model: 'stories260k' },
  { what: 'a llama-server router', fake: () => router, model: 'storiesA' },
])('$what at the Ollama address', ({ fake, model }) => {
  it('doctor names llama.cpp and the hosts entry that fits it, not "ollama serve" nor a missing model', async () => {
    const orch = await orchAt(fake().url);
    const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Ollama')!;
    await orch.shutdown(200);
    expect(check.level).toBe('fail');
    expect(check.detail).toMatch(/\(a llama\.cpp server answers there, not Ollama\)$/);
    expect(check.fix).toMatch(
      new RegExp(`^add it as a host — hosts: \\[\\{name: llama, kind: llamacpp, url: ${esc(fake().url)}\\}\\]`),
    );
    expect(check.fix).toMatch(/set ollama\.host \(OLLM_HOST or OLLAMA_HOST\) to where Ollama runs/);
    expect(`${check.detail} ${check.fix}`).not.toMatch(MISREAD);
  });

  it('list_models and route_and_generate say the same, never "pull it with `ollama pull …`"', async () => {
    const orch = await orchAt(fake().url);
    const listed = await failure(orch.listModels({ refresh: true }));
    const routed = await failure(routeAndGenerate(orch, { prompt: 'hi', model, only: true }));
    await orch.shutdown(200);
    for (const message of [listed, routed]) {
      expect(message).toMatch(/a llama\.cpp server answers there, not Ollama/);
      expect(message).toMatch(/hosts: \[\{name: llama, kind: llamacpp, url: /);
      expect(message).not.toMatch(MISREAD);
    }
  });
});

it('an OpenAI-compatible engine at the Ollama address: named, with a kind: openai entry at its /v1', async () => {
  const root = vllm.url.replace(/\/v1$/, '');
  const orch = await orchAt(root);
  const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Ollama')!;
  await orch.shutdown(200);
  expect(check.detail).toMatch(/\(an OpenAI-compatible server answers there, not Ollama\)$/);
  expect(check.fix).toMatch(new RegExp(`hosts: \\[\\{name: engine, kind: openai, url: ${esc(root)}/v1\\}\\]`));
  expect(`${check.detail} ${check.fix}`).not.toMatch(MISREAD);
});

it('a hosts entry of kind ollama where a llama-server answers is told to be kind: llamacpp', async () => {
  const orch = await orchAt(ollama.url, `hosts:\n  - { name: box, kind: ollama, url: "${single.url}" }\n`);
  const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Host box')!;
  await orch.shutdown(200);
  expect(check.detail).toMatch(/a llama\.cpp server answers there, not Ollama/);
  expect(check.fix).toMatch(new RegExp(`^make hosts\\.box kind: llamacpp \\(url: ${esc(single.url)}\\) in settings`));
  expect(`${check.detail} ${check.fix}`).not.toMatch(MISREAD);
});

describe('the right side: a real (fake) Ollama', () => {
  it('a model it lacks is still "not installed — pull it with `ollama pull …`" (its own 404 body)', async () => {
    const backend = new OllamaBackend({ host: ollama.url, timeoutMs: 10_000 });
    const message = await failure(backend.show('no-such-model:1b'));
    expect(message).toMatch(/Model "no-such-model:1b" is not installed on Ollama at .* pull it with `ollama pull /);
    expect(message).not.toMatch(/answers there, not Ollama/);
  });

  it('doctor says Ollama answers', async () => {
    const orch = await orchAt(ollama.url);
    const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Ollama')!;
    await orch.shutdown(200);
    expect(check.level).toBe('ok');
  });
});
