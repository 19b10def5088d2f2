// Every engine a first-class host, end to end: the built server with a fleet of an Ollama, an
// OpenAI-compatible engine and a llama.cpp router (the fake one, and the real llama-server when it
// is built), with a cloud fallback behind them. Then a fleet of only a failing Ollama and the
// fallback: the fallback answers, except for inputs read by path unless fallback.sendInputs allows it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { HAVE_ENGINE, modelsDir, startEngine, stopEngines } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const REAL = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';
const BOX_MODELS = ['llama3.2:latest', 'phi3:mini'];
const KILLED = 'llama-server process has terminated: signal: killed';

type Session = Awaited<ReturnType<typeof connect>>;
interface Listed {
  name: string;
  host?: string;
  selfManaged?: boolean;
  contextWindow: number;
}
interface Compared {
  model: string;
  host?: string;
  text: string;
  error?: string;
}

async function callOn(session: Session, name: string, args: Record<string, unknown>) {
  const res = await session.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
}

async function fakeRouter() {
  const dir = modelsDir(['storiesA']);
  const f = await FakeLlamacpp.start({ models: [{ id: 'storiesA', file: join(dir, 'storiesA.gguf'), ctxSize: 2048 }] });
  return { url: f.url, stop: () => f.stop() };
}

async function realRouter() {
  const e = await startEngine({ dir: modelsDir(['storiesA']), modelsMax: 2, ctx: 2048 });
  return { url: e.url, stop: () => e.kill() };
}

const startBox = () => FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => BOX_MODELS.includes(m.name)) });
const startCloud = () => FakeOpenAI.start({ models: ['cloud-model'], reply: 'the cloud answers' });

describe.each([
  ['the fake router', fakeRouter, true],
  ['a real llama-server router', realRouter, REAL],
] as const)(
  'a fleet of Ollama, an OpenAI-compatible engine and a llama.cpp router (%s), with a cloud fallback',
  (_name, make, run) => {
    let box: FakeOllama;
    let lab: FakeOpenAI;
    let cloud: FakeOpenAI;
    let router: { url: string; stop(): Promise<void> };
    let session: Session;

    beforeAll(async () => {
      if (!run) return;
      box = await startBox();
      lab = await FakeOpenAI.start({
        models: ['qwen2.5-coder:7b', 'mistral:7b'],
        reply: (c) => `lab ${c.model} answers`,
      });
      cloud = await startCloud();
      router = await make();
      const home = tempHome(
        [
          'hosts:',
          `  - {name: lab, kind: openai, url: "${lab.url}", contextLength: 32768}`,
          `  - {name: llama, kind: llamacpp, url: "${router.url}"}`,
          'fallback:',
          `  baseURL: "${cloud.url}"`,
          '  model: cloud-model',
          '',
        ].join('\n'),
      );
      session = await connect({ OLLM_HOME: home, OLLAMA_HOST: box.host });
    }, 60_000);
    afterAll(async () => {
      await session?.close();
      await Promise.all([box?.stop(), lab?.stop(), cloud?.stop(), router?.stop()]);
      await stopEngines();
    });

    const call = (name: string, args: Record<string, unknown>) => callOn(session, name, args);

    it.runIf(run)(
      'list_models lists every engine’s models with its host; the OpenAI-compatible engine’s load on demand',
      { timeout: 60_000 },
      async () => {
        const list = await call('list_models', { refresh: true });
        expect(list.isError, list.text).toBe(false);
        const models = list.out.models as Listed[];
        const on = (host: string) =>
          models
            .filter((m) => m.host === host)
            .map((m) => m.name)
            .sort();
        expect(on('ollama')).toEqual(BOX_MODELS);
        expect(on('lab')).toEqual(['mistral:7b', 'qwen2.5-coder:7b']);
        expect(on('llama')).toEqual(['storiesA:latest']);
        for (const name of ['qwen2.5-coder:7b', 'mistral:7b']) {
          expect(models.find((m) => m.name === name && m.host === 'lab')).toMatchObject({
            selfManaged: true,
            contextWindow: 32768,
          });
        }
        expect(models.filter((m) => m.host === 'ollama').every((m) => m.selfManaged !== true)).toBe(true);
        expect(list.text).toMatch(/- mistral:7b on lab — [^\n]*its engine loads it on demand/);
      },
    );

    it.runIf(run)(
      'route_and_generate with a model of the OpenAI-compatible engine runs there',
      { timeout: 60_000 },
      async () => {
        const r = await call('route_and_generate', { prompt: 'Say hello in French.', model: 'mistral:7b' });
        expect(r.isError, r.text).toBe(false);
        expect(r.out).toMatchObject({ model: 'mistral:7b', host: 'lab', provider: 'openai' });
        expect(r.text).toContain('lab mistral:7b answers');
        expect(
          lab.requestsTo('/v1/chat/completions').some((q) => (q.body as { model?: string }).model === 'mistral:7b'),
        ).toBe(true);
      },
    );

    it.runIf(run)(
      'route_and_generate routes code work to the coder on the OpenAI-compatible engine',
      { timeout: 60_000 },
      async () => {
        const r = await call('route_and_generate', {
          prompt: 'Write a TypeScript function that debounces another function.',
          task: 'code',
        });
        expect(r.isError, r.text).toBe(false);
        expect(r.out).toMatchObject({ model: 'qwen2.5-coder:7b', host: 'lab', provider: 'openai' });
        expect(r.text).toContain('lab qwen2.5-coder:7b answers');
      },
    );

    it.runIf(run)('compare runs one model on each engine and names each one’s host', { timeout: 60_000 }, async () => {
      const cloudBefore = cloud.requestsTo('/v1/chat/completions').length;
      const c = await call('compare', {
        prompt: 'Tell me a story',
        models: ['llama3.2', 'qwen2.5-coder:7b', 'storiesA'],
        maxTokens: 30,
      });
      expect(c.isError, c.text).toBe(false);
      expect([...(c.out.answered as string[])].sort()).toEqual([
        'llama3.2:latest',
        'qwen2.5-coder:7b',
        'storiesA:latest',
      ]);
      const results = c.out.results as Compared[];
      const hostOf = Object.fromEntries(results.map((x) => [x.model, x.host]));
      expect(hostOf).toEqual({ 'llama3.2:latest': 'ollama', 'qwen2.5-coder:7b': 'lab', 'storiesA:latest': 'llama' });
      for (const x of results) expect(x.error, `${x.model}: ${x.error}`).toBeUndefined();
      expect(results.find((x) => x.model === 'qwen2.5-coder:7b')!.text).toBe('lab qwen2.5-coder:7b answers');
      // every engine answered: the cloud was not asked
      expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(cloudBefore);
    });
  },
);

describe('a fleet of one failing Ollama and a cloud fallback', () => {
  const NOTE = 'NOTES-MARK: the quarterly numbers are in the blue folder.';
  let box: FakeOllama;
  let cloud: FakeOpenAI;
  let project: string;
  const sessions: Session[] = [];

  const yaml = (sendInputs?: boolean) =>
    [
      'fallback:',
      `  baseURL: "${cloud.url}"`,
      '  model: cloud-model',
      ...(sendInputs === undefined ? [] : [`  sendInputs: ${sendInputs}`]),
      '',
    ].join('\n');
  const start = async (sendInputs?: boolean) => {
    const s = await connect({ OLLM_HOME: tempHome(yaml(sendInputs)), OLLAMA_HOST: box.host }, [], project);
    sessions.push(s);
    return s;
  };
  /** Every load and generation on the Ollama fails as a killed runner does. */
  const failEveryLoad = () => {
    for (let i = 0; i < 20; i++) box.failNext('/api/generate', 500, KILLED);
  };
  const cloudChats = () => cloud.requestsTo('/v1/chat/completions');

  beforeAll(async () => {
    box = await startBox();
    cloud = await startCloud();
    project = tempDir('ollm-fleet-kinds-project-');
    writeFileSync(join(project, 'notes.md'), `# Notes\n\n${NOTE}\n`);
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await Promise.all([box?.stop(), cloud?.stop()]);
  });

  it(
    'when every local load fails with HTTP 500, the fallback answers and the failures are listed',
    { timeout: 60_000 },
    async () => {
      const session = await start();
      failEveryLoad();
      const before = cloudChats().length;
      const r = await callOn(session, 'route_and_generate', { prompt: 'Say hi in one word.', task: 'general' });
      expect(r.isError, r.text).toBe(false);
      expect(r.out).toMatchObject({ provider: 'fallback', host: 'fallback', model: 'cloud-model' });
      expect(r.text).toContain('the cloud answers');
      expect((r.out.fallbacks as unknown[]).length).toBeGreaterThan(0);
      expect(JSON.stringify(r.out.fallbacks)).toContain('signal: killed');
      expect(cloudChats()).toHaveLength(before + 1);
      // a named model answers alone (issue 75, finding 5): its failure is the call's error, the cloud not asked
      const named = await callOn(session, 'route_and_generate', {
        prompt: 'Say hi.',
        model: 'llama3.2',
        task: 'general',
      });
      expect(named.isError).toBe(true);
      expect(named.text).toMatch(/llama3\.2:latest.*signal: killed/);
      expect(cloudChats()).toHaveLength(before + 1);
    },
  );

  it(
    'inputs read by path never go to the fallback unless fallback.sendInputs allows it',
    { timeout: 60_000 },
    async () => {
      const kept = await start();
      failEveryLoad();
      const before = cloudChats().length;
      const refused = await callOn(kept, 'route_and_generate', {
        prompt: 'Summarise these notes.',
        task: 'general',
        files: ['notes.md'],
      });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/^No local model answered \(llama3\.2:latest: [^;]*signal: killed/);
      expect(refused.text).toContain('fallback.sendInputs');
      expect(cloudChats()).toHaveLength(before);
      expect(JSON.stringify(cloud.requests.map((q) => q.body))).not.toContain('NOTES-MARK');

      const allowed = await start(true);
      failEveryLoad();
      const r = await callOn(allowed, 'route_and_generate', {
        prompt: 'Summarise these notes.',
        task: 'general',
        files: ['notes.md'],
      });
      expect(r.isError, r.text).toBe(false);
      expect(r.out).toMatchObject({ provider: 'fallback', host: 'fallback' });
      expect((r.out.fallbacks as unknown[]).length).toBeGreaterThan(0);
      expect(r.text).toContain('the cloud answers');
      const sent = cloudChats().slice(before);
      expect(sent).toHaveLength(1);
      expect(JSON.stringify(sent[0]!.body)).toContain(NOTE);
    },
  );
});
