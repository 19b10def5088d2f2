/**
 * create_model against the fake Ollama (and a llama.cpp router and an OpenAI-compatible engine):
 * made through /api/create with its steps as progress, listed at once, what it was made for
 * kept; refused before anything is sent when the base is missing, the name exists, the
 * quantization cannot be made, or the host cannot make models; cancelled at the request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostError, loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { createModel } from '../../src/orchestrator/jobs/create.js';
import type { PullLine } from '../../src/orchestrator/engines/engine-requests.js';
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
  const f16 = {
    ...DEFAULT_MODELS.find((m) => m.name === 'llama3.2:latest')!,
    name: 'llama3.2:3b-f16',
    quantization: 'F16',
  };
  const fake = await FakeOllama.start({
    pullChunkDelayMs: opts.pullChunkDelayMs ?? 1,
    models: [...DEFAULT_MODELS, f16],
  });
  const core = await coreFor(fake);
  stops.push(
    () => fake.stop(),
    () => core.shutdown(200),
  );
  return { fake, core };
}

const creates = (fake: FakeOllama) => fake.requests.filter((r) => r.path === '/api/create' || r.path === '/api/copy');
const failure = async (p: Promise<unknown>) =>
  (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as HostError;
/** Calls `fn` with each request's path as the fake takes it in, before it answers. */
function whenAsked(fake: FakeOllama, fn: (path: string) => unknown) {
  const push = fake.requests.push.bind(fake.requests);
  fake.requests.push = (...rs) => {
    for (const r of rs) fn(r.path);
    return push(...rs);
  };
}

describe('create_model on Ollama', () => {
  it(
    'makes the model with its steps as progress; it is listed at once, carries its settings, ' +
      'and what it is made for is kept',
    async () => {
      const { fake, core } = await setup();
      // the list is cached from here on
      expect((await core.listModels()).models.some((m) => m.name === 'terse:latest')).toBe(false);
      const phases: Phase[] = [];
      const r = await createModel(core, {
        name: 'terse',
        from: 'llama3.2',
        system: 'Be terse.',
        parameters: { temperature: 0.2, num_ctx: 16384, stop: ['###'] },
        task: 'summarize',
        progress: { enter: (p) => phases.push(p) },
      });
      expect(r).toEqual({
        name: 'terse:latest',
        from: 'llama3.2:latest',
        host: 'ollama',
        task: 'summarize',
        status: 'created',
      });
      const steps = phases
        .filter((p): p is Extract<Phase, { kind: 'creating' }> => p.kind === 'creating')
        .map((p) => p.status);
      expect(steps[0]).toMatch(/^using existing layer sha256:/);
      expect(steps).toEqual(
        expect.arrayContaining([expect.stringMatching(/^creating new layer sha256:/), 'writing manifest', 'success']),
      );
      expect(creates(fake)[0]!.body).toMatchObject({
        model: 'terse:latest',
        from: 'llama3.2:latest',
        system: 'Be terse.',
        parameters: { temperature: 0.2, num_ctx: 16384, stop: ['###'] },
        stream: true,
      });

      expect((await core.listModels()).models.find((m) => m.name === 'terse:latest')).toBeDefined(); // no refresh asked
      expect(core.madeFor.of('ollama', 'terse')).toMatchObject({
        model: 'terse:latest',
        task: 'summarize',
        from: 'llama3.2:latest',
      });
      const show = await core.backend.show('terse:latest');
      expect(show.system).toBe('Be terse.');
      expect(show.parameters).toContain(`${'temperature'.padEnd(30)} 0.2`);

      // delete_model forgets what it was made for
      await deleteModel(core, { model: 'terse' });
      expect(core.madeFor.of('ollama', 'terse:latest')).toBeUndefined();
    },
  );

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
    await createModel(core, {
      name: 'small',
      from: 'llama3.2:3b-f16',
      quantize: 'q8_0',
      progress: { enter: (p) => phases.push(p) },
    });
    expect(
      phases.some((p) => p.kind === 'creating' && p.status === 'quantizing F16 model to Q8_0' && p.totalBytes! > 0),
    ).toBe(true);
    expect(fake.installed().find((m) => m.name === 'small:latest')?.quantization).toBe('Q8_0');
  });

  it("refuses arguments that are not Ollama's before anything is sent", async () => {
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
    expect(tags.find((t) => t.name === 'mine:latest')?.digest).toBe(
      tags.find((t) => t.name === 'llama3.2:latest')?.digest,
    );
    const err = await failure(createModel(core, { name: 'other', from: 'llama3.2', copy: true, system: 'x' }));
    expect(err.message).toContain('leave out system');
    expect(creates(fake)).toHaveLength(1);
  });

  it('a cancel reaches the request: the stream is closed and nothing is made', async () => {
    const { fake, core } = await setup({ pullChunkDelayMs: 200 });
    const ac = new AbortController();
    const pending = createModel(core, {
      name: 'terse',
      from: 'llama3.2',
      system: 'x',
      signal: ac.signal,
      progress: { enter: (p) => p.kind === 'creating' && ac.abort() },
    });
    const err = await failure(pending);
    expect(err.kind).toBe('aborted');
    // the request itself stops: the fake's create ends at its next line, long before it could finish
    for (let i = 0; i < 50 && fake.pullsRunning() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.pullsRunning()).toBe(0);
    expect(fake.installed().some((m) => m.name === 'terse:latest')).toBe(false);
    expect(core.madeFor.of('ollama', 'terse')).toBeUndefined();
  });
});

describe('create_model on Ollama: copies, what a model is made for, progress, bases it quantizes', () => {
  it('copy takes none of the settings: each one is refused by name, nothing sent', async () => {
    const { fake, core } = await setup();
    const given = {
      template: '{{ .Prompt }}',
      parameters: { temperature: 0.2 },
      messages: [{ role: 'user', content: 'hi' }],
      quantize: 'q8_0',
    };
    for (const [k, v] of Object.entries(given)) {
      const err = await failure(createModel(core, { name: 'mine', from: 'llama3.2:3b-f16', copy: true, [k]: v }));
      expect(err.kind).toBe('bad_request');
      expect(err.message).toContain(
        `so it takes only name, from, replace, task and host — leave out ${k}, or drop copy`,
      );
    }
    expect(creates(fake)).toHaveLength(0);
  });

  it(
    'a model made without a task is made for none: not when new, not when made again, not under ' +
      'the name of one deleted outside ollm-mcp',
    async () => {
      const { fake, core } = await setup();
      await createModel(core, { name: 'plain', from: 'llama3.2', system: 'x' });
      expect(core.madeFor.of('ollama', 'plain')).toBeUndefined();

      await createModel(core, { name: 'terse', from: 'llama3.2', system: 'x', task: 'summarize' });
      expect(core.madeFor.of('ollama', 'terse')?.task).toBe('summarize');
      expect((await createModel(core, { name: 'terse', from: 'llama3.2', system: 'y', replace: true })).status).toBe(
        'replaced',
      );
      expect(core.madeFor.of('ollama', 'terse')).toBeUndefined();

      await createModel(core, { name: 'brief', from: 'llama3.2', system: 'x', task: 'summarize' });
      fake.removeModel('brief:latest'); // `ollama rm` on the host: the record stays behind
      expect((await createModel(core, { name: 'brief', from: 'llama3.2', system: 'y' })).status).toBe('created');
      expect(core.madeFor.of('ollama', 'brief')).toBeUndefined();
    },
  );

  it('when what it is made for cannot be kept, the model is still made and the error says so, naming it', async () => {
    const { fake, core } = await setup();
    vi.spyOn(core.madeFor, 'set').mockRejectedValue(new Error('database is locked'));
    const err = await failure(createModel(core, { name: 'terse', from: 'llama3.2', system: 'x', task: 'summarize' }));
    expect(err).toBeInstanceOf(HostError);
    expect(err.kind).toBe('server_error');
    expect(err.message).toBe(
      'terse:latest was made on ollama, but what it is made for could not be kept (database is ' +
        'locked) — run create_model again with replace: true once the state database is writable.',
    );
    expect(fake.installed().some((m) => m.name === 'terse:latest')).toBe(true);
  });

  it('when the list cannot be read once it is made, the result and the record name the model as asked', async () => {
    const { fake, core } = await setup();
    let armed = false;
    const progress = {
      enter: (p: Phase) => p.kind === 'creating' && !armed && (armed = true) && fake.failNext('/api/tags', 500, 'busy'),
    };
    const r = await createModel(core, { name: 'terse', from: 'llama3.2', system: 'x', task: 'summarize', progress });
    expect(armed).toBe(true);
    expect(r).toEqual({
      name: 'terse:latest',
      from: 'llama3.2:latest',
      host: 'ollama',
      task: 'summarize',
      status: 'created',
    });
    expect(core.madeFor.of('ollama', 'terse')).toMatchObject({ model: 'terse:latest', task: 'summarize' });
  });

  it('progress carries bytes only when a line gives both numbers', async () => {
    const { core } = await setup();
    const engine = core.fleet.hosts[0]!.engine;
    const real = engine.create!.bind(engine);
    let n = 0;
    // Ollama leaves out `completed` while it is 0 (and `total` when it is): the first quantizing line with
    // only its total, the second with only what is done
    const partly = (l: PullLine): PullLine => {
      if (!l.status.startsWith('quantizing')) return l;
      n++;
      if (n === 1) return { status: l.status, total: l.total! };
      if (n === 2) return { status: l.status, completed: l.completed! };
      return l;
    };
    vi.spyOn(engine, 'create').mockImplementation((req, opts, options) =>
      real(req, { onLine: (l) => opts.onLine(partly(l)) }, options),
    );
    const phases: Phase[] = [];
    await createModel(core, {
      name: 'small',
      from: 'llama3.2:3b-f16',
      quantize: 'q8_0',
      progress: { enter: (p) => phases.push(p) },
    });
    const status = 'quantizing F16 model to Q8_0';
    const bytes = { completedBytes: expect.any(Number), totalBytes: expect.any(Number) };
    expect(phases.filter((p) => p.kind === 'creating' && p.status === status)).toEqual([
      { kind: 'creating', model: 'small:latest', status },
      { kind: 'creating', model: 'small:latest', status },
      { kind: 'creating', model: 'small:latest', status, ...bytes },
      { kind: 'creating', model: 'small:latest', status, ...bytes },
    ]);
  });

  it('quantizes BF16 and F32 bases too; a base whose quantization the host does not say is left to Ollama', async () => {
    const llama = DEFAULT_MODELS.find((m) => m.name === 'llama3.2:latest')!;
    const fake = await FakeOllama.start({
      pullChunkDelayMs: 1,
      models: [
        { ...llama, name: 'llama3.2:3b-bf16', quantization: 'BF16' },
        { ...llama, name: 'llama3.2:3b-f32', quantization: 'F32' },
        { ...llama, name: 'imported:latest', quantization: '' },
      ],
    });
    const core = await coreFor(fake);
    stops.push(
      () => fake.stop(),
      () => core.shutdown(200),
    );
    await createModel(core, { name: 'a', from: 'llama3.2:3b-bf16', quantize: 'q8_0' });
    await createModel(core, { name: 'b', from: 'llama3.2:3b-f32', quantize: 'q4_K_M' });
    expect(
      fake
        .installed()
        .filter((m) => m.name === 'a:latest' || m.name === 'b:latest')
        .map((m) => m.quantization),
    ).toEqual(['Q8_0', 'Q4_K_M']);
    const err = await failure(createModel(core, { name: 'c', from: 'imported', quantize: 'q8_0' }));
    // Ollama's own answer: it was asked
    expect(err.message).toContain('quantization is only supported for F16, BF16 and F32 models');
    expect(creates(fake)).toHaveLength(3);
  });
});

describe('create_model where the engine makes no models', () => {
  async function fleet() {
    const box = await FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => m.name === 'llama3.2:latest') });
    const lab = await FakeOpenAI.start({ models: ['mistral:7b'], tokenDelayMs: 1 });
    const llama = await FakeLlamacpp.start({ models: [{ id: 'storiesA', file: STORIES }], modelsMax: 2 });
    stops.push(
      () => box.stop(),
      () => lab.stop(),
      () => llama.stop(),
    );
    const home = tempDir('ollm-home-');
    writeFileSync(
      join(home, 'config.yaml'),
      [
        'hosts:',
        `  - { name: lab, kind: openai, url: "${lab.url}", contextLength: 32768 }`,
        `  - { name: llama, kind: llamacpp, url: "${llama.url}" }`,
        '',
      ].join('\n'),
    );
    const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: box.url } }), {
      memorySource: {
        memory: async () => ({ totalBytes: 32e9, availableBytes: 28e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      },
    });
    stops.push(() => orch.shutdown(200));
    return { orch, box, lab, llama };
  }

  it('a llama-server router: refused with the --models-preset section to add, nothing made', async () => {
    const { orch, box } = await fleet();
    const err = await failure(
      createModel(orch, {
        name: 'terse',
        from: 'storiesA',
        system: 'Be terse.',
        parameters: { temperature: 0.2, num_ctx: 4096 },
        host: 'llama',
      }),
    );
    expect(err.kind).toBe('not_supported');
    expect(err.message).toContain('cannot make models, so nothing was sent');
    expect(err.message).toContain(
      `--models-preset INI file and restart it:\n[terse:latest]\nmodel = ${STORIES}\ntemp = 0.2\nctx-size = 4096`,
    );
    expect(err.message).toContain('A preset cannot hold system');
    expect(box.requests.some((r) => r.path === '/api/create')).toBe(false);
  });

  it('an OpenAI-compatible engine: refused, saying to set it in the engine or per request, nothing asked of it', async () => {
    const { orch, lab } = await fleet();
    const before = lab.requests.length;
    const err = await failure(
      createModel(orch, {
        name: 'terse',
        from: 'mistral:7b',
        system: 'x',
        parameters: { temperature: 0.2 },
        host: 'lab',
      }),
    );
    expect(err.kind).toBe('not_supported');
    expect(err.message).toMatch(
      /cannot make models, so nothing was sent — set "mistral:7b"'s defaults \(temperature 0\.2\) in that engine's own model settings, or send the system prompt with each request/,
    );
    expect(lab.requests.slice(before)).toEqual([]); // refused before its list was read
  });

  it('an engine that says nothing of what to do instead: refused with the general advice, nothing sent', async () => {
    const { orch, box } = await fleet();
    const engine = orch.fleet.hosts.find((h) => h.name === 'lab')!.engine;
    Object.defineProperty(engine, 'createInstead', { value: undefined });
    const err = await failure(createModel(orch, { name: 'terse', from: 'mistral:7b', system: 'x', host: 'lab' }));
    expect(err.kind).toBe('not_supported');
    expect(err.message).toBe(
      `${engine.who} cannot make models, so nothing was sent — set "mistral:7b"'s defaults in ` +
        `that engine itself. create_model works on Ollama hosts.`,
    );
    expect(box.requests.some((r) => r.path === '/api/create')).toBe(false);
  });

  it(
    "a cancel reaches the router's read for the advice: it is not asked, and the section leaves " +
      'the file for the user to fill in',
    async () => {
      const { orch, llama } = await fleet();
      const before = llama.requests.length;
      const err = await failure(
        createModel(orch, {
          name: 'terse',
          from: 'storiesA',
          parameters: { temperature: 0.2 },
          host: 'llama',
          signal: AbortSignal.abort(),
        }),
      );
      expect(err.kind).toBe('not_supported');
      expect(err.message).toContain(
        '--models-preset INI file and restart it:\n[terse:latest]\nmodel = /path/to/the .gguf of ' +
          'storiesA:latest\ntemp = 0.2\n',
      );
      expect(llama.requests.slice(before)).toEqual([]);
    },
  );

  it('the host named is the one asked, even when the base is installed on another that makes models', async () => {
    const { orch, box } = await fleet();
    const err = await failure(createModel(orch, { name: 'terse', from: 'llama3.2', system: 'x', host: 'lab' }));
    expect(err.kind).toBe('not_supported');
    expect(err.message).toContain('cannot make models, so nothing was sent');
    expect((await failure(createModel(orch, { name: 'terse', from: 'llama3.2', host: 'nowhere' }))).message).toContain(
      'There is no Ollama host "nowhere"',
    );
    expect(box.requests.some((r) => r.path === '/api/create')).toBe(false);
  });
});

describe('create_model: the exact refusals, the phases, a cancel at each call, the list after a failure', () => {
  it('the refusals a caller acts on: their kind and words', async () => {
    const { fake, core } = await setup();
    const args = await failure(createModel(core, { name: 'terse', from: 'llama3.2', parameters: { temprature: 0.2 } }));
    expect(args.kind).toBe('bad_request');
    expect(args.message).toMatch(
      /^Nothing was made: parameters: "temprature" is not one of Ollama's parameters — the names are num_ctx, .*, stop\.$/,
    );
    const quant = await failure(createModel(core, { name: 'small', from: 'llama3.2', quantize: 'q8_0' }));
    expect(quant.kind).toBe('bad_request');
    expect(quant.message).toBe(
      'quantize: llama3.2:latest is Q4_K_M, and Ollama quantizes only F16, BF16, F32 models — ' +
        'make it from an F16 model, or leave quantize out.',
    );
    const copy = await failure(
      createModel(core, { name: 'mine', from: 'llama3.2', copy: true, system: 'x', template: '{{ .Prompt }}' }),
    );
    expect(copy.message).toBe(
      'copy copies "llama3.2" as it is, so it takes only name, from, replace, task and host — ' +
        'leave out system, template, or drop copy to make a model with them.',
    );
    expect(creates(fake)).toHaveLength(0);
  });

  it('says what it checks, on which host, before it reads the list; a cancel there sends nothing more', async () => {
    const { fake, core } = await setup();
    const phases: Phase[] = [];
    await createModel(core, {
      name: 'terse',
      from: 'llama3.2',
      system: 'x',
      progress: { enter: (p) => phases.push(p) },
    });
    expect(phases[0]).toEqual({ kind: 'starting', what: 'checking llama3.2:latest and terse:latest on ollama' });

    fake.requests.length = 0;
    const ac = new AbortController();
    const err = await failure(
      createModel(core, {
        name: 'other',
        from: 'llama3.2',
        system: 'x',
        signal: ac.signal,
        progress: { enter: (p) => p.kind === 'starting' && ac.abort() },
      }),
    );
    expect(err.kind).toBe('aborted');
    expect(fake.requests.map((r) => r.path)).toEqual([]); // not even the list was read
  });

  it('a cancel that comes as the host says success: cancelled, yet the model it made is listed at once', async () => {
    const { fake, core } = await setup();
    // the list is cached from here on
    expect((await core.listModels()).models.some((m) => m.name === 'terse:latest')).toBe(false);
    const ac = new AbortController();
    const err = await failure(
      createModel(core, {
        name: 'terse',
        from: 'llama3.2',
        system: 'x',
        signal: ac.signal,
        progress: { enter: (p) => p.kind === 'creating' && p.status === 'success' && ac.abort() },
      }),
    );
    expect(err.kind).toBe('aborted');
    expect(fake.installed().some((m) => m.name === 'terse:latest')).toBe(true);
    expect((await core.listModels()).models.some((m) => m.name === 'terse:latest')).toBe(true); // no refresh asked
  });

  it('a cancel while the host copies reaches the copy: cancelled, nothing copied', async () => {
    const { fake, core } = await setup();
    const ac = new AbortController();
    fake.setLatency('/api/copy', 60_000); // a host slow to answer
    whenAsked(fake, (path) => path === '/api/copy' && ac.abort());
    const pending = failure(createModel(core, { name: 'mine', from: 'llama3.2', copy: true, signal: ac.signal }));
    const err = await Promise.race([
      pending,
      new Promise<HostError>((res) =>
        setTimeout(() => res(new HostError('server_error', 'still waiting for the copy', '')), 3000),
      ),
    ]);
    expect(err.kind).toBe('aborted');
    expect(fake.installed().some((m) => m.name === 'mine:latest')).toBe(false);
  });

  it('a cancel while the made model is looked up is not waited out: the model is made and named as asked', async () => {
    const { fake, core } = await setup();
    const ac = new AbortController();
    // once the copy is made, the host's list hangs, and the cancel comes as it is asked for
    let copied = false;
    whenAsked(fake, (path) => {
      if (path === '/api/copy') copied = true;
      else if (path === '/api/tags' && copied) {
        fake.setLatency('/api/tags', 60_000);
        ac.abort();
      }
    });
    const pending = createModel(core, { name: 'mine', from: 'llama3.2', copy: true, task: 'code', signal: ac.signal });
    const r = await Promise.race([
      pending,
      new Promise((res) => setTimeout(() => res('still waiting for the list'), 3000)),
    ]);
    expect(r).toEqual({ name: 'mine:latest', from: 'llama3.2:latest', host: 'ollama', task: 'code', status: 'copied' });
  });
});
