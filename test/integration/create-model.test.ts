/**
 * create_model against the fake Ollama (and a llama.cpp router and an OpenAI-compatible engine):
 * made through /api/create with its steps as progress, listed at once, what it was made for
 * kept; refused before anything is sent when the base is missing, the name exists, the
 * quantization cannot be made, or the host cannot make models; cancelled at the request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostError, loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { createModel } from '../../src/orchestrator/jobs/create.js';
import { deleteModel } from '../../src/orchestrator/jobs/delete.js';
import type { Phase } from '../../src/orchestrator/progress/phases.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { coreFor } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function setup(opts: { pullChunkDelayMs?: number } = {}) {
  const f16 = { ...DEFAULT_MODELS.find((m) => m.name === 'llama3.2:latest')!, name: 'llama3.2:3b-f16', quantization: 'F16' };
  const fake = await FakeOllama.start({ pullChunkDelayMs: opts.pullChunkDelayMs ?? 1, models: [...DEFAULT_MODELS, f16] });
  const core = await coreFor(fake);
  stops.push(() => fake.stop(), () => core.shutdown(200));
  return { fake, core };
}

const creates = (fake: FakeOllama) => fake.requests.filter((r) => r.path === '/api/create' || r.path === '/api/copy');
const failure = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as HostError;

describe('create_model on Ollama', () => {
  it('makes the model with its steps as progress; it is listed at once, carries its settings, and what it is made for is kept', async () => {
    const { fake, core } = await setup();
    expect((await core.listModels()).models.some((m) => m.name === 'terse:latest')).toBe(false); // the list is cached from here on
    const phases: Phase[] = [];
    const r = await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be terse.', parameters: { temperature: 0.2, num_ctx: 16384, stop: ['###'] }, task: 'summarize', progress: { enter: (p) => phases.push(p) } });
    expect(r).toEqual({ name: 'terse:latest', from: 'llama3.2:latest', host: 'ollama', task: 'summarize', status: 'created' });
    const steps = phases.filter((p): p is Extract<Phase, { kind: 'creating' }> => p.kind === 'creating').map((p) => p.status);
    expect(steps[0]).toMatch(/^using existing layer sha256:/);
    expect(steps).toEqual(expect.arrayContaining([expect.stringMatching(/^creating new layer sha256:/), 'writing manifest', 'success']));
    expect(creates(fake)[0]!.body).toMatchObject({ model: 'terse:latest', from: 'llama3.2:latest', system: 'Be terse.', parameters: { temperature: 0.2, num_ctx: 16384, stop: ['###'] }, stream: true });

    expect((await core.listModels()).models.find((m) => m.name === 'terse:latest')).toBeDefined(); // no refresh asked
    expect(core.madeFor.of('ollama', 'terse')).toMatchObject({ model: 'terse:latest', task: 'summarize', from: 'llama3.2:latest' });
    const show = await core.backend.show('terse:latest');
    expect(show.system).toBe('Be terse.');
    expect(show.parameters).toContain(`${'temperature'.padEnd(30)} 0.2`);

    // delete_model forgets what it was made for
    await deleteModel(core, { model: 'terse' });
    expect(core.madeFor.of('ollama', 'terse:latest')).toBeUndefined();
  });

  it('refuses a name that exists, sending nothing; replace makes it again', async () => {
    const { fake, core } = await setup();
    const err = await failure(createModel(core, { name: 'phi3:mini', from: 'llama3.2', system: 'x' }));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toContain('phi3:mini already exists on ollama, so nothing was made — pass replace: true');
    expect(creates(fake)).toHaveLength(0);
    const r = await createModel(core, { name: 'phi3:mini', from: 'llama3.2', system: 'x', replace: true });
    expect(r.status).toBe('replaced');
    expect((await core.backend.show('phi3:mini')).system).toBe('x');
  });

  it('refuses a base that is not installed, naming the ones it may mean, sending nothing', async () => {
    const { fake, core } = await setup();
    const err = await failure(createModel(core, { name: 'terse', from: 'llama3.2:1b' }));
    expect(err.kind).toBe('model_not_found');
    expect(err.message).toContain('Installed under other names: llama3.2:3b-f16, llama3.2:latest');
    expect(creates(fake)).toHaveLength(0);
  });

  it('refuses a quantization of a quantized base before sending; quantizes an F16 one with its progress', async () => {
    const { fake, core } = await setup();
    const err = await failure(createModel(core, { name: 'small', from: 'llama3.2', quantize: 'q8_0' }));
    expect(err.message).toContain('llama3.2:latest is Q4_K_M, and Ollama quantizes only F16, BF16, F32 models');
    expect(creates(fake)).toHaveLength(0);
    const phases: Phase[] = [];
    await createModel(core, { name: 'small', from: 'llama3.2:3b-f16', quantize: 'q8_0', progress: { enter: (p) => phases.push(p) } });
    expect(phases.some((p) => p.kind === 'creating' && p.status === 'quantizing F16 model to Q8_0' && p.totalBytes! > 0)).toBe(true);
    expect(fake.installed().find((m) => m.name === 'small:latest')?.quantization).toBe('Q8_0');
  });

  it('refuses arguments that are not Ollama\'s before anything is sent', async () => {
    const { fake, core } = await setup();
    const err = await failure(createModel(core, { name: 'terse', from: 'llama3.2', parameters: { temprature: 0.2 } }));
    expect(err.message).toContain('"temprature" is not one of Ollama\'s parameters');
    expect(fake.requests).toHaveLength(0); // not even the list was read
  });

  it('copies a model under a new name (the same weights); copy takes no settings', async () => {
    const { fake, core } = await setup();
    const r = await createModel(core, { name: 'mine', from: 'llama3.2', copy: true, task: 'code' });
    expect(r).toMatchObject({ name: 'mine:latest', status: 'copied', task: 'code' });
    const tags = await core.backend.list();
    expect(tags.find((t) => t.name === 'mine:latest')?.digest).toBe(tags.find((t) => t.name === 'llama3.2:latest')?.digest);
    const err = await failure(createModel(core, { name: 'other', from: 'llama3.2', copy: true, system: 'x' }));
    expect(err.message).toContain('leave out system');
    expect(creates(fake)).toHaveLength(1);
  });

  it('a cancel reaches the request: the stream is closed and nothing is made', async () => {
    const { fake, core } = await setup({ pullChunkDelayMs: 200 });
    const ac = new AbortController();
    const pending = createModel(core, { name: 'terse', from: 'llama3.2', system: 'x', signal: ac.signal, progress: { enter: (p) => p.kind === 'creating' && ac.abort() } });
    const err = await failure(pending);
    expect(err.kind).toBe('aborted');
    // the request itself stops: the fake's create ends at its next line, long before it could finish
    for (let i = 0; i < 50 && fake.pullsRunning() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.pullsRunning()).toBe(0);
    expect(fake.installed().some((m) => m.name === 'terse:latest')).toBe(false);
    expect(core.madeFor.of('ollama', 'terse')).toBeUndefined();
  });
});

describe('create_model where the engine makes no models', () => {
  async function fleet() {
    const box = await FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => m.name === 'llama3.2:latest') });
    const lab = await FakeOpenAI.start({ models: ['mistral:7b'], tokenDelayMs: 1 });
    const llama = await FakeLlamacpp.start({ models: [{ id: 'storiesA', file: STORIES }], modelsMax: 2 });
    stops.push(() => box.stop(), () => lab.stop(), () => llama.stop());
    const home = tempDir('ollm-home-');
    writeFileSync(join(home, 'config.yaml'), ['hosts:', `  - { name: lab, kind: openai, url: "${lab.url}", contextLength: 32768 }`, `  - { name: llama, kind: llamacpp, url: "${llama.url}" }`, ''].join('\n'));
    const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: box.url } }), { memorySource: { memory: async () => ({ totalBytes: 32e9, availableBytes: 28e9, swapTotalBytes: 0, swapUsedBytes: 0 }), gpus: async () => [] } });
    stops.push(() => orch.shutdown(200));
    return { orch, box, llama };
  }

  it('a llama-server router: refused with the --models-preset section to add, nothing made', async () => {
    const { orch, box } = await fleet();
    const err = await failure(createModel(orch, { name: 'terse', from: 'storiesA', system: 'Be terse.', parameters: { temperature: 0.2, num_ctx: 4096 }, host: 'llama' }));
    expect(err.kind).toBe('not_supported');
    expect(err.message).toContain('cannot make models, so nothing was sent');
    expect(err.message).toContain(`--models-preset INI file and restart it:\n[terse:latest]\nmodel = ${STORIES}\ntemp = 0.2\nctx-size = 4096`);
    expect(err.message).toContain('A preset cannot hold system');
    expect(box.requests.some((r) => r.path === '/api/create')).toBe(false);
  });

  it('an OpenAI-compatible engine: refused, saying to set it in the engine or per request', async () => {
    const { orch } = await fleet();
    const err = await failure(createModel(orch, { name: 'terse', from: 'mistral:7b', system: 'x', parameters: { temperature: 0.2 }, host: 'lab' }));
    expect(err.kind).toBe('not_supported');
    expect(err.message).toMatch(/cannot make models, so nothing was sent — set "mistral:7b"'s defaults \(temperature 0\.2\) in that engine's own model settings, or send the system prompt with each request/);
  });
});
