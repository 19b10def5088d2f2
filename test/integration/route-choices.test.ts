/**
 * The user's own choice for a kind of work wins over the routing rule (issue 54, finding 6),
 * through route_and_generate against the fake Ollama: a general model made for code
 * (create_model's task, model.routing.madeFor), configured for it (model.routing.overrides, an
 * agent's overrides) or preferred for it is given code work — its dry run says which and why —
 * while without a choice code still goes to the code model; a chosen model that cannot do the
 * work at all (no text, no vision for the images given, too big) is passed over, saying why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate, RouteError } from '../../src/orchestrator/jobs/route.js';
import { createModel } from '../../src/orchestrator/jobs/create.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const MEMORY = 16e9;
const BASE = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
const CODE = 'Write a Python function that reverses a linked list.';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function setup(yaml = '', only?: string[]) {
  const models = DEFAULT_REGISTRY.filter((m) =>
    only ? only.includes(m.name) : m.name !== 'gemma3:4b' && m.name !== 'all-minilm:latest' && m.name !== 'qwen3:8b',
  );
  fake = await FakeOllama.start({ memoryBytes: MEMORY, models, tokenDelayMs: 1 });
  return coreFor(fake, { totalBytes: MEMORY, yaml: `${BASE}${yaml}` });
}

const dry = { prompt: CODE, task: 'code', dryRun: true } as const;

describe('a model the user chose for code work', () => {
  it('without any choice, code work goes to the code model and nothing is said to be passed over', async () => {
    const core = await setup();
    const r = await routeAndGenerate(core, dry);
    expect(r).toMatchObject({ model: 'qwen2.5-coder:7b', profile: 'code' });
    expect(r.reason).not.toMatch(/passed over|configured|preferred|made for/);
    expect(r.advice?.then ?? []).not.toContain('llama3.2:latest'); // a general model is no fallback for code
  });

  it('made by create_model with task code, it takes code work: the dry run and the answer say so', async () => {
    const core = await setup();
    await createModel(core, { name: 'helper', from: 'llama3.2', system: 'You write code.', task: 'code' });
    const plan = await routeAndGenerate(core, dry);
    expect(plan.model).toBe('helper:latest');
    expect(plan.reason).toMatch(/^helper:latest was made for code work/);
    expect(plan.reason).not.toMatch(/passed over/);
    expect(plan.advice?.then).toContain('qwen2.5-coder:7b'); // the code model next, if it failed
    fake!.reply('def reverse(head): ...');
    const r = await routeAndGenerate(core, { prompt: CODE, task: 'code' });
    expect(r).toMatchObject({ model: 'helper:latest', text: 'def reverse(head): ...', fallbacks: [] });
    // made for code, not for other work
    expect(
      (await routeAndGenerate(core, { prompt: 'Write a poem about rain.', task: 'creative', dryRun: true })).reason,
    ).not.toMatch(/made for/);
  });

  it('named in model.routing.madeFor, it takes code work', async () => {
    const core = await setup('model:\n  routing:\n    madeFor: { "llama3.2": code }\n');
    const r = await routeAndGenerate(core, dry);
    expect(r.model).toBe('llama3.2:latest');
    expect(r.reason).toMatch(/^llama3\.2:latest was made for code work/);
  });

  it('configured in model.routing.overrides, it takes code work — inferred code work too — and answers it', async () => {
    const core = await setup('model:\n  routing:\n    overrides: { code: "llama3.2" }\n');
    const plan = await routeAndGenerate(core, {
      prompt: 'Fix this function:\n```python\ndef add(a, b):\n    return a - b\n```',
      dryRun: true,
    });
    expect(plan).toMatchObject({ model: 'llama3.2:latest', profile: 'code' });
    expect(plan.reason).toMatch(/^llama3\.2:latest is the model configured for code work/);
    fake!.reply('return a + b');
    expect(await routeAndGenerate(core, { prompt: CODE, task: 'code' })).toMatchObject({
      model: 'llama3.2:latest',
      text: 'return a + b',
    });
  });

  it(
    "configured in an agent's overrides, it takes that agent's code work; another agent's stays " +
      'with the code model',
    async () => {
      const core = await setup(
        'agents:\n  tuned:\n    model:\n      routing:\n        overrides: { code: "phi3:mini" }\n',
      );
      const tuned = await routeAndGenerate(core, { ...dry, agent: 'tuned' });
      expect(tuned.model).toBe('phi3:mini');
      expect(tuned.reason).toMatch(/^phi3:mini is the model configured for code work/);
      expect((await routeAndGenerate(core, { ...dry, agent: 'plain' })).model).toBe('qwen2.5-coder:7b');
    },
  );

  it('preferred for code (a stored preference), it takes code work', async () => {
    const core = await setup();
    await core.preferences.load();
    await core.preferences.set('code', { model: 'llama3.2:latest', task: 'code', at: new Date().toISOString() });
    const r = await routeAndGenerate(core, dry);
    expect(r.model).toBe('llama3.2:latest');
    expect(r.reason).toMatch(/^llama3\.2:latest is the model you preferred for code work/);
  });

  it(
    'with no code model installed, a general model configured for code answers; unconfigured, ' +
      'the error says why of each model',
    async () => {
      const only = ['llama3.2:latest', 'nomic-embed-text:latest'];
      const plain = await setup('', only);
      const err = await routeAndGenerate(plain, { prompt: CODE, task: 'code' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RouteError);
      expect((err as RouteError).message).toMatch(
        /llama3\.2:latest: does not suit code work \(code goes only to code models\)/,
      );
      await fake!.stop();
      const chosen = await setup('model:\n  routing:\n    overrides: { code: "llama3.2" }\n', only);
      fake!.reply('ok');
      expect(await routeAndGenerate(chosen, { prompt: CODE, task: 'code' })).toMatchObject({
        model: 'llama3.2:latest',
        text: 'ok',
      });
      // its window too small for the prompt: the error names its window, not the profile rule
      const long = await routeAndGenerate(chosen, { prompt: CODE, task: 'code', maxTokens: 900_000 }).catch(
        (e: unknown) => e,
      );
      expect(long).toBeInstanceOf(RouteError);
      expect((long as RouteError).message).toMatch(
        /the largest context window a model can use here now is \d+ \(trained for up to 131072; memory holds less\)/,
      );
      expect((long as RouteError).message).not.toMatch(/code goes only to code models/);
    },
  );
});

describe('a chosen model that cannot do the work at all', () => {
  it('an embedding model configured for code is passed over: it writes no text', async () => {
    const core = await setup('model:\n  routing:\n    overrides: { code: "nomic-embed-text" }\n');
    const r = await routeAndGenerate(core, dry);
    expect(r.model).toBe('qwen2.5-coder:7b');
    expect(r.reason).toMatch(
      /the model configured for code work, nomic-embed-text:latest, was passed over: it does not suit code work — it serves embeddings only \(it writes no text\)/,
    );
  });

  it('a text-only model configured for vision is passed over when images are given', async () => {
    const core = await setup('model:\n  routing:\n    overrides: { vision: "llama3.2" }\n');
    const r = await routeAndGenerate(core, { prompt: 'What is in this picture?', images: ['aGVsbG8='], dryRun: true });
    expect(r.model).toBe('llava:7b');
    expect(r.reason).toMatch(
      /the model configured for vision work, llama3\.2:latest, was passed over: it cannot see images/,
    );
  });

  it('a model made for code that does not fit memory is passed over, saying so', async () => {
    const core = await setup('model:\n  routing:\n    madeFor: { "mixtral:8x7b": code }\n');
    const r = await routeAndGenerate(core, dry);
    expect(r.model).toBe('qwen2.5-coder:7b');
    expect(r.reason).toMatch(
      /the model made for code work, mixtral:8x7b, was passed over: it does not fit in this host's memory/,
    );
  });
});

describe('a model the caller names', () => {
  it('is used as named for code work, general or not', async () => {
    const core = await setup();
    const r = await routeAndGenerate(core, { ...dry, model: 'llama3.2' });
    expect(r.model).toBe('llama3.2:latest');
    expect(r.reason).toMatch(/named by the caller/);
    fake!.reply('def f(): pass');
    expect(await routeAndGenerate(core, { prompt: CODE, task: 'code', model: 'llama3.2' })).toMatchObject({
      model: 'llama3.2:latest',
      text: 'def f(): pass',
      fallbacks: [],
    });
  });

  it(
    'is not tried when it cannot do the work at all — no text, or blind to the images given — ' +
      'and the attempt says why',
    async () => {
      const core = await setup();
      const embed = await routeAndGenerate(core, { ...dry, model: 'nomic-embed-text' });
      expect(embed.model).toBe('qwen2.5-coder:7b');
      const blind = await routeAndGenerate(core, {
        prompt: 'What is in this picture?',
        images: ['aGVsbG8='],
        model: 'llama3.2',
      });
      expect(blind.model).toBe('llava:7b');
      expect(blind.fallbacks).toEqual([
        {
          model: 'llama3.2:latest',
          error:
            'llama3.2:latest was named, but it cannot see images (it ' +
            'serves fast and general work), so it was not tried',
        },
      ]);
      const text = await routeAndGenerate(core, { prompt: CODE, task: 'code', model: 'nomic-embed-text' });
      expect(text.fallbacks).toEqual([
        {
          model: 'nomic-embed-text:latest',
          error:
            'nomic-embed-text:latest was named, but it serves embeddings only (it writes no text), so it was not tried',
        },
      ]);
      // neither was loaded to find out
      const asked = (q: { path: string; body?: unknown }) => q.path === '/api/generate' || q.path === '/api/chat';
      const loads = fake!.requests.filter(
        (q) =>
          asked(q) &&
          ['nomic-embed-text:latest', 'llama3.2:latest'].includes((q.body as { model?: string }).model ?? ''),
      );
      expect(loads).toEqual([]);
    },
  );

  it('refused, with no other model that can take the work, the error says why of each', async () => {
    const core = await setup('', ['llama3.2:latest', 'nomic-embed-text:latest']);
    const err = await routeAndGenerate(core, {
      prompt: 'What is in this picture?',
      images: ['aGVsbG8='],
      model: 'llama3.2',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RouteError);
    expect((err as RouteError).message).toMatch(
      /^No installed model that fits this machine can take vision work \(llama3\.2:latest: llama3\.2:latest was named, but it cannot see images .*; nomic-embed-text:latest: serves embeddings only/,
    );
  });
});
