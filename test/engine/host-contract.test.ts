/**
 * The host contract (src/orchestrator/engines/engine.ts) run against every engine adapter: the
 * same tests for each target of the table below — fake Ollama, fake llama.cpp router, fake
 * OpenAI-compatible engine, another ollm-mcp (the built server over HTTP with a token, in front of
 * a fake Ollama: one box for the whole file, test/helpers/ollm-box.ts), and the real llama-server
 * (built by `npm run engine`; skipped when it is not, unless OLLM_REQUIRE_ENGINE=1, as CI sets) as
 * a router and as an OpenAI-compatible host.
 * What an engine cannot do is read from its capability flags (`can`), never assumed from its name.
 *
 * Adding an engine kind is one adapter (src/orchestrator/engines/<kind>/) plus one line in
 * `targets` below: its name, whether it runs here, how the adapter is built on a server's origin,
 * and the server (fake or real) it talks to. Every test then runs on it unchanged.
 *
 * Expectations are what the adapters do (each checked here), the same for every target: unknown
 * models are model_not_found everywhere, cancels 'aborted', a closed port 'unreachable', and what
 * an engine cannot do 'not_supported', naming the host. Two facts of a target are said in its line,
 * as no capability flag says them: that its answer comes whole at the end (another ollm-mcp: a
 * tool's result, its progress carrying counts, no text), and that it says what it holds loaded by
 * its own plan (ps) without planning memory here — and what its refusals tell to do instead.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { GenerateDone, GenerateRequest } from '../../src/orchestrator/engines/engine-requests.js';
import { HostError, type HostErrorKind } from '../../src/orchestrator/engines/host-error.js';
import { LlamacppBackend } from '../../src/orchestrator/engines/llamacpp/llamacpp.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { OpenAIEngine } from '../../src/orchestrator/engines/openai/openai-engine.js';
import { OpenAIBackend } from '../../src/orchestrator/engines/openai/openai.js';
import { OllmEngine } from '../../src/orchestrator/engines/ollm/ollm-engine.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { HAVE_ENGINE, STORIES, freePort, modelsDir, startEngine, stopEngines } from '../helpers/llamacpp.js';
import { BOX_TOKEN, sharedBox, stopBox } from '../helpers/ollm-box.js';

const REAL = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';
const TIMEOUT_MS = 10_000;
/** A model no engine here has. */
const MISSING = 'no-such-model';

afterAll(async () => {
  await stopEngines();
  await stopBox();
});

/** A server an adapter is pointed at: its origin (http://127.0.0.1:PORT), the model it serves, how to stop it. */
interface Served {
  origin: string;
  model: string;
  stop(): Promise<void>;
}

/** What a target's line says beyond its flags. */
interface Facts {
  /** Its answer comes whole, in one piece at the end (no text streams before it). */
  whole?: boolean;
  /** Without planning memory here, ps() says what it holds by its own plan (else ps() is []). */
  saysLoaded?: boolean;
  /** What its refusals (not_supported) tell to do instead, per call refused. */
  nextStep?: (call: 'unload' | 'pull' | 'delete') => RegExp;
}

interface Target extends Facts {
  name: string;
  run: boolean;
  /** The adapter, pointed at the server at `origin` (also used with a closed port). */
  at(origin: string): Engine;
  make(): Promise<{ engine: Engine; model: string; stop(): Promise<void> }>;
}

function target(
  name: string,
  run: boolean,
  at: (origin: string) => Engine,
  serve: () => Promise<Served>,
  facts: Facts = {},
): Target {
  return {
    name,
    run,
    at,
    ...facts,
    make: async () => {
      const s = await serve();
      const engine = at(s.origin);
      // an adapter that keeps a connection (the MCP client of another ollm-mcp) closes it
      const close = () => (engine instanceof OllmEngine ? engine.box.close() : Promise.resolve());
      return { engine, model: s.model, stop: async () => void (await Promise.all([close(), s.stop()])) };
    },
  };
}

const ollama = (origin: string): Engine => new OllamaBackend({ host: origin, timeoutMs: TIMEOUT_MS });
const llamacpp = (origin: string): Engine =>
  new LlamacppBackend({ name: 'llamacpp', url: origin, timeoutMs: TIMEOUT_MS });
const openai = (origin: string): Engine =>
  new OpenAIEngine(new OpenAIBackend({ name: 'openai', baseURL: `${origin}/v1`, settingsPath: 'hosts.openai' }), {
    parallel: 1,
    stallMs: 30_000,
  });
/**
 * Another ollm-mcp, as fleet/fleet-hosts.ts builds it for `kind: ollm` (its /mcp endpoint, the token from
 * hosts.NAME.tokenEnv).
 */
const ollm = (origin: string): Engine =>
  new OllmEngine({
    name: 'gpubox',
    url: `${origin}/mcp`,
    timeoutMs: TIMEOUT_MS,
    parallel: 1,
    tokenEnv: 'GPUBOX_TOKEN',
    env: { GPUBOX_TOKEN: BOX_TOKEN },
  });

/**
 * Replies shorter than maxTokens (16), so a natural end is 'stop' and a 'length' can only come from the
 * caller's stop.
 */
const REPLY = 'Once upon a time there was a little fox who liked to run.';

async function fakeOllama(): Promise<Served> {
  const f = await FakeOllama.start({ models: DEFAULT_MODELS });
  f.reply(REPLY);
  return { origin: f.url, model: DEFAULT_MODELS[0]!.name, stop: () => f.stop() };
}

async function fakeLlamacpp(): Promise<Served> {
  const f = await FakeLlamacpp.start({ models: [{ id: 'storiesA', file: STORIES }], modelsMax: 1, reply: REPLY });
  return { origin: f.url, model: 'storiesA:latest', stop: () => f.stop() };
}

/** The one box of this file (started on first use, stopped after the file): its fake Ollama answers REPLY. */
async function ollmBox(): Promise<Served> {
  const box = await sharedBox(REPLY);
  return { origin: box.origin, model: DEFAULT_MODELS[0]!.name, stop: async () => undefined };
}

async function fakeOpenAI(): Promise<Served> {
  const f = await FakeOpenAI.start({ models: ['a', 'b'], reply: REPLY });
  return { origin: f.origin, model: 'a', stop: () => f.stop() };
}

/**
 * The real llama-server as a router over one model. The OpenAI-compatible target talks to a router
 * too: a single-model llama-server answers a chat for any model name with its one model (it never
 * reads the request's `model`), so "a model it does not have" would not exist there.
 */
async function realRouter(model: string): Promise<Served> {
  const e = await startEngine({ dir: modelsDir(['storiesA']), modelsMax: 1 });
  return { origin: e.url, model, stop: () => e.kill() };
}

const targets: Target[] = [
  target('fake Ollama → OllamaBackend', true, ollama, fakeOllama),
  target('fake llama.cpp router → LlamacppBackend', true, llamacpp, fakeLlamacpp),
  target('fake OpenAI → OpenAIEngine', true, openai, fakeOpenAI),
  target('ollm-mcp over HTTP (fake Ollama behind it) → OllmEngine', true, ollm, ollmBox, {
    whole: true,
    saysLoaded: true,
    nextStep: (call) => new RegExp(`\\(its ${call}_model\\)`),
  }),
  target('real llama-server router → LlamacppBackend', REAL, llamacpp, () => realRouter('storiesA:latest')),
  target('real llama-server → OpenAIEngine', REAL, openai, () => realRouter('storiesA')),
];

function request(model: string, onDelta: GenerateRequest['onDelta']): GenerateRequest {
  return {
    model,
    prompt: 'Once upon a time',
    keepAlive: '5m',
    numCtx: 512,
    temperature: 0,
    topP: 1,
    maxTokens: 16,
    onDelta,
  };
}

/** What `p` rejected with, which must be a HostError (a resolved `p` fails the test). */
async function hostError(p: Promise<unknown>): Promise<HostError> {
  const outcome = await p.then(
    (value: unknown) => ({ resolved: value }),
    (err: unknown) => ({ rejected: err }),
  );
  expect(outcome).toHaveProperty('rejected');
  const err = (outcome as { rejected: unknown }).rejected;
  expect(err).toBeInstanceOf(HostError);
  return err as HostError;
}

async function expectKind(p: Promise<unknown>, kind: HostErrorKind): Promise<HostError> {
  const err = await hostError(p);
  expect({ kind: err.kind, message: err.message }).toMatchObject({ kind });
  return err;
}

/**
 * A refusal of what the engine cannot do: not_supported, naming the host (and the model, where the call names
 * one) and, where its line says, what to do instead.
 */
async function refusedBy(
  nextStep: Facts['nextStep'],
  engine: Engine,
  p: Promise<unknown>,
  call: 'unload' | 'pull' | 'delete',
  model?: string,
): Promise<void> {
  const err = await expectKind(p, 'not_supported');
  expect(err.message).toContain(engine.who);
  if (model !== undefined) expect(err.message).toContain(model);
  if (nextStep) expect(err.message).toMatch(nextStep(call));
}

async function loadedNames(engine: Engine): Promise<string[]> {
  return (await engine.ps()).map((m) => m.name);
}

/** Polls `ps()` until `model` is listed, up to `ms` (an engine's list may be a second old); the names listed last. */
async function untilListed(engine: Engine, model: string, ms = 5000): Promise<string[]> {
  const end = Date.now() + ms;
  let names = await loadedNames(engine);
  while (!names.includes(model) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    names = await loadedNames(engine);
  }
  return names;
}

/** Polls `ps()` until `model` is no longer listed, up to `ms`; the names listed last. */
async function untilGone(engine: Engine, model: string, ms = 5000): Promise<string[]> {
  const end = Date.now() + ms;
  let names = await loadedNames(engine);
  while (names.includes(model) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    names = await loadedNames(engine);
  }
  return names;
}

describe.each(targets)('host contract: $name', ({ run, make, at, whole, saysLoaded, nextStep }) => {
  const refused = (engine: Engine, p: Promise<unknown>, call: 'unload' | 'pull' | 'delete', model?: string) =>
    refusedBy(nextStep, engine, p, call, model);

  /** Runs `fn` on a fresh engine and server, stopping the server whatever happens. */
  async function withEngine(fn: (engine: Engine, model: string) => Promise<void>): Promise<void> {
    const t = await make();
    try {
      await fn(t.engine, t.model);
    } finally {
      await t.stop();
    }
  }

  it.runIf(run)(
    'list() returns its model with name, size and digest; kind and capabilities are declared',
    { timeout: 60_000 },
    () =>
      withEngine(async (engine, model) => {
        expect(['ollama', 'llamacpp', 'openai', 'ollm']).toContain(engine.kind);
        for (const flag of ['managesMemory', 'pullAndDelete', 'contextPerRequest'] as const)
          expect(typeof engine.can[flag]).toBe('boolean');
        const models = await engine.list();
        expect(models.map((m) => m.name)).toContain(model);
        for (const m of models) {
          expect(typeof m.name).toBe('string');
          expect(typeof m.size).toBe('number');
          expect(m.size).toBeGreaterThanOrEqual(0);
          expect(typeof m.digest).toBe('string');
          expect(m.digest.length).toBeGreaterThan(0);
        }
      }),
  );

  it.runIf(run)('generate() streams its answer in deltas and says how it ended', { timeout: 60_000 }, () =>
    withEngine(async (engine, model) => {
      const deltas: string[] = [];
      const done: GenerateDone = await engine.generate(
        request(model, (d) => {
          if (d.text) deltas.push(d.text);
        }),
      );
      expect(deltas.length).toBeGreaterThanOrEqual(1);
      expect(deltas.join('').length).toBeGreaterThan(0);
      expect(typeof done.doneReason).toBe('string');
      expect(done.doneReason.length).toBeGreaterThan(0);
    }),
  );

  it.runIf(run)(
    "onDelta returning 'stop' ends the generation early with doneReason 'length'",
    { timeout: 60_000 },
    () =>
      withEngine(async (engine, model) => {
        let deltas = 0;
        const done = await engine.generate(
          request(model, (d) => {
            if (!d.text && !d.thinking) return;
            deltas++;
            return 'stop';
          }),
        );
        expect(done.doneReason).toBe('length');
        expect(deltas).toBeGreaterThanOrEqual(1);
        // the stopping one, and at most a couple already on their way
        expect(deltas).toBeLessThanOrEqual(whole ? 1 : 3);
        // the whole answer has more: the stop cut it short (an answer that comes whole is one piece, told once)
        let pieces = 0;
        await engine.generate(request(model, (d) => void ((d.text || d.thinking) && pieces++)));
        if (whole) expect(pieces).toBe(1);
        else expect(pieces).toBeGreaterThan(3);
      }),
  );

  it.runIf(run)(
    'a model it does not have: generate() (and load(), where it manages memory) rejects with model_not_found',
    { timeout: 60_000 },
    () =>
      withEngine(async (engine) => {
        // Every adapter says model_not_found, none bad_request: Ollama answers 404; a llama.cpp
        // router answers a chat for an unknown model 400 "model '…' not found" and the adapters ask
        // /v1/models, which does not list it; the router's load is refused before it is sent (the
        // adapter finds no such id in /models). Fake OpenAI answers 404 model_not_found.
        const err = await expectKind(engine.generate(request(MISSING, () => undefined)), 'model_not_found');
        expect(err.message).toContain(MISSING);
        if (engine.can.managesMemory) {
          const loadErr = await expectKind(engine.load({ model: MISSING, keepAlive: '5m' }), 'model_not_found');
          expect(loadErr.message).toContain(MISSING);
        } else {
          // it loads on the first request by itself: load() has nothing to do, and says so by resolving
          await expect(engine.load({ model: MISSING, keepAlive: '5m' })).resolves.toBeUndefined();
        }
      }),
  );

  it.runIf(run)("an AbortSignal aborted while generating rejects with kind 'aborted'", { timeout: 60_000 }, () =>
    withEngine(async (engine, model) => {
      const ac = new AbortController();
      let deltas = 0;
      const err = await expectKind(
        engine.generate(
          request(model, (d) => {
            if (!d.text && !d.thinking) return;
            deltas++;
            ac.abort();
          }),
          { signal: ac.signal },
        ),
        'aborted',
      );
      expect(err).toBeInstanceOf(HostError);
      expect(deltas).toBeGreaterThanOrEqual(1);
      // the engine is still usable afterwards
      const again: string[] = [];
      await engine.generate(request(model, (d) => void (d.text && again.push(d.text))));
      expect(again.join('').length).toBeGreaterThan(0);
    }),
  );

  it.runIf(run)(
    "memory: load() and unload() show in ps() where it manages memory; else unload() is 'not_supported' and ps() is []",
    { timeout: 60_000 },
    () =>
      withEngine(async (engine, model) => {
        if (engine.can.managesMemory) {
          await engine.load({ model, keepAlive: '5m', numCtx: 512 });
          expect(await loadedNames(engine)).toContain(model);
          await engine.unload(model);
          expect(await untilGone(engine, model)).not.toContain(model);
        } else if (saysLoaded) {
          // it plans its own memory and says what it holds: a generation there leaves the model loaded by its
          // plan, which no unload here changes
          await engine.generate(request(model, () => undefined));
          expect(await untilListed(engine, model)).toContain(model);
          await refused(engine, engine.unload(model), 'unload', model);
          expect(await loadedNames(engine)).toContain(model);
          const installed = (await engine.list()).map((m) => m.name);
          for (const name of await loadedNames(engine)) expect(installed).toContain(name);
        } else {
          await refused(engine, engine.unload(model), 'unload', model);
          await expect(engine.ps()).resolves.toEqual([]);
          // a generation does not change that: it does not say what it holds
          await engine.generate(request(model, () => undefined));
          await expect(engine.ps()).resolves.toEqual([]);
        }
      }),
  );

  it.runIf(run)(
    "tokenize(), where it counts with the model's tokenizer: a loaded model's tokens; an " +
      'unloaded one: undefined, and nothing is loaded for it',
    { timeout: 60_000 },
    () =>
      withEngine(async (engine, model) => {
        if (!engine.can.tokenize) {
          // the flag and the method agree: no counter is offered where the engine has none
          expect(engine.tokenize).toBeUndefined();
          return;
        }
        expect(engine.tokenize).toBeTypeOf('function');
        await expect(engine.tokenize!(model, 'Once upon a time')).resolves.toBeUndefined();
        expect(await loadedNames(engine)).not.toContain(model); // counting never loads behind the planner's back
        await engine.load({ model, keepAlive: '5m', numCtx: 512 });
        const n = await engine.tokenize!(model, 'Once upon a time');
        expect(n).toBeGreaterThanOrEqual(3);
        expect(n).toBeLessThanOrEqual(8);
      }),
  );

  it.runIf(run)(
    "pull() and delete() are 'not_supported' where it cannot download models; else delete() of " +
      'a missing model is model_not_found',
    { timeout: 60_000 },
    () =>
      withEngine(async (engine, model) => {
        if (!engine.can.pullAndDelete) {
          await refused(engine, engine.pull(model, { onLine: () => undefined }), 'pull');
          await refused(engine, engine.delete(model), 'delete', model);
          // and nothing was removed
          expect((await engine.list()).map((m) => m.name)).toContain(model);
        } else {
          await expectKind(engine.delete(MISSING), 'model_not_found');
          expect((await engine.list()).map((m) => m.name)).toContain(model);
        }
      }),
  );

  it.runIf(run)(
    'makes models only where can.create says so: else no create or copy, and createInstead says what to do there',
    { timeout: 60_000 },
    () =>
      withEngine(async (engine, model) => {
        if (engine.can.create) {
          expect(typeof engine.create).toBe('function');
          await expectKind(engine.copy!(MISSING, 'ollm-contract-copy'), 'model_not_found');
          expect((await engine.list()).map((m) => m.name)).not.toContain('ollm-contract-copy:latest');
        } else {
          expect(engine.create).toBeUndefined();
          expect(engine.copy).toBeUndefined();
          expect(
            await engine.createInstead!({ model: 'terse:latest', from: model, parameters: { temperature: 0.2 } }),
          ).toContain('0.2');
        }
      }),
  );

  it.runIf(run)('a generation right after another one has ended is answered too', { timeout: 60_000 }, () =>
    withEngine(async (engine, model) => {
      // Back to back, with nothing in between: the second request goes out on the connection the
      // first one kept alive, if the adapter's HTTP agent still holds it.
      const texts: string[] = [];
      for (let i = 0; i < 3; i++) {
        let text = '';
        const done = await engine.generate(request(model, (d) => void (text += d.text ?? '')));
        expect(typeof done.doneReason).toBe('string');
        texts.push(text);
      }
      expect(texts.every((t) => t.length > 0)).toBe(true);
    }),
  );

  it.runIf(run)(
    "an engine that is not there: list() rejects with kind 'unreachable'",
    { timeout: 60_000 },
    async () => {
      const port = await freePort(); // listened on, then closed: nothing answers there
      await expectKind(at(`http://127.0.0.1:${port}`).list(), 'unreachable');
    },
  );
});
