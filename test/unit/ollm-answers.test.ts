// Another ollm-mcp as a host (kind: ollm, issue 57): what the box answers is checked and bounded
// where it enters, and mapped onto the host interface — its list_models result onto EngineModel
// entries (installed, loaded), show_model onto a card the catalog reads, route_and_generate onto
// the answer or the job to wait for; anything else refused with a HostError of kind bad_response.
import { describe, expect, it } from 'vitest';
import { boxAnswer, boxModels, boxRefusal, boxShow } from '../../src/orchestrator/engines/ollm/ollm-answers.js';
import { MAX_MODELS, MAX_TEXT } from '../../src/orchestrator/engines/ollm/ollm-schemas.js';
import { generateArgs, tokensIn } from '../../src/orchestrator/engines/ollm/ollm-generate.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { showFacts } from '../../src/orchestrator/models/catalog.js';

const BOX = { who: 'ollm-mcp gpubox (http://gpubox:3333/mcp)', host: 'gpubox:3333' };

const model = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  sizeBytes: 4_920_000_000,
  family: 'qwen3',
  parameterSize: '8.2B',
  quantization: 'Q4_K_M',
  contextWindow: 40_960,
  capabilities: ['completion', 'tools'],
  profiles: ['general'],
  loaded: false,
  requiredBytes: 6e9,
  fits: true,
  fitsNow: true,
  ...extra,
});

const listResult = (models: unknown[], loaded: unknown[] = []) => ({
  host: '127.0.0.1:11434',
  models,
  loaded,
  ram: {},
});

function refused(run: () => unknown): HostError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(HostError);
    return err as HostError;
  }
  throw new Error('not refused');
}

describe("the box's list_models", () => {
  it('maps each model to an entry with its size, details and window; its loaded models to ps entries', () => {
    const { installed, loaded } = boxModels(
      listResult(
        [
          model('qwen3:8b', { loaded: true }),
          model('llama3.2', { sizeBytes: 2_000_000_000, family: 'llama', contextWindow: 131_072 }),
        ],
        [
          {
            name: 'qwen3:8b',
            sizeBytes: 6_100_000_000,
            vramBytes: 6_100_000_000,
            expiresAt: '2030-01-01T00:00:00Z',
            keptForever: false,
            contextLength: 8192,
          },
        ],
      ),
      BOX,
    );
    expect(
      installed.map((m) => [
        m.name,
        m.size,
        m.context_length,
        m.details.family,
        m.details.parameter_size,
        m.details.quantization_level,
      ]),
    ).toEqual([
      ['qwen3:8b', 4_920_000_000, 40_960, 'qwen3', '8.2B', 'Q4_K_M'],
      ['llama3.2', 2_000_000_000, 131_072, 'llama', '8.2B', 'Q4_K_M'],
    ]);
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({
      name: 'qwen3:8b',
      size: 6_100_000_000,
      size_vram: 6_100_000_000,
      context_length: 8192,
    });
    expect(new Date(loaded[0]!.expires_at).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it(
    "leaves out the box's cloud models (what leaves this machine goes to the box only) and " +
      'lists a model on two of its hosts once',
    () => {
      const { installed, loaded } = boxModels(
        listResult(
          [
            model('gpt-oss:120b-cloud', { cloud: true }),
            model('qwen3:8b', { host: 'a' }),
            model('qwen3:8b', { host: 'b', sizeBytes: 1 }),
          ],
          [
            { name: 'gpt-oss:120b-cloud', sizeBytes: 0, vramBytes: 0, expiresAt: 'x' },
            { name: 'qwen3:8b', sizeBytes: 5, vramBytes: 0, expiresAt: 'not a date', host: 'b' },
          ],
        ),
        BOX,
      );
      expect(installed.map((m) => [m.name, m.size])).toEqual([['qwen3:8b', 4_920_000_000]]);
      expect(loaded.map((m) => m.name)).toEqual(['qwen3:8b']);
    },
  );

  it.each([
    ['no models array', { loaded: [] }, 'models'],
    ['a model without a name', listResult([model('')]), 'models.0.name'],
    ['a name past 256 characters', listResult([model('x'.repeat(257))]), 'models.0.name'],
    ['a negative size', listResult([model('a', { sizeBytes: -1 })]), 'models.0.sizeBytes'],
    ['a size past any disk', listResult([model('a', { sizeBytes: 1e300 })]), 'models.0.sizeBytes'],
    ['a window of a trillion tokens', listResult([model('a', { contextWindow: 1e12 })]), 'models.0.contextWindow'],
    ['a window that is a string', listResult([model('a', { contextWindow: '8192' })]), 'models.0.contextWindow'],
    ['capabilities past 64', listResult([model('a', { capabilities: Array(65).fill('x') })]), 'models.0.capabilities'],
    [
      'more models than any box holds',
      listResult(Array.from({ length: MAX_MODELS + 1 }, (_, i) => model(`m${i}`))),
      'models',
    ],
    ['a loaded entry without sizes', listResult([model('a')], [{ name: 'a' }]), 'loaded.0.sizeBytes'],
    ['not an object at all', 'qwen3:8b', 'its result'],
  ])('refuses %s with a bad_response naming the tool and the field', (_what, value, where) => {
    const err = refused(() => boxModels(value, BOX));
    expect(err.kind).toBe('bad_response');
    expect(err.host).toBe('gpubox:3333');
    expect(err.message).toContain('ollm-mcp gpubox');
    expect(err.message).toContain('list_models');
    expect(err.message).toContain(`(${where}:`);
  });
});

describe("the box's show_model", () => {
  it('reads as a card the catalog takes its window, details and capabilities from', () => {
    const show = boxShow(
      { ...model('qwen3:8b'), digest: 'sha256:abc', architecture: 'qwen3', licenseFirstLines: 'Apache 2.0' },
      BOX,
    );
    const facts = showFacts(show);
    expect(facts).toMatchObject({
      contextWindow: 40_960,
      architecture: 'qwen3',
      family: 'qwen3',
      parameterSize: '8.2B',
      quantization: 'Q4_K_M',
      capabilities: ['completion', 'tools'],
      license: 'Apache 2.0',
    });
  });

  it('takes no architecture that is not a plain word as a model_info key', () => {
    const facts = showFacts(boxShow({ ...model('a'), digest: 'd', architecture: 'x"; drop' }, BOX));
    expect(facts.architecture).toBe('ollm');
    expect(facts.contextWindow).toBe(40_960);
  });

  it('refuses a card without its window', () => {
    const { contextWindow: _c, ...rest } = model('a');
    expect(refused(() => boxShow({ ...rest, digest: 'd' }, BOX)).kind).toBe('bad_response');
  });
});

describe("the box's route_and_generate", () => {
  const routed = {
    model: 'qwen3:8b',
    provider: 'ollama',
    text: 'The answer.',
    doneReason: 'stop',
    metrics: {
      totalMs: 900,
      loadMs: 100,
      queueMs: 0,
      timeToFirstTokenMs: 50,
      promptTokens: 120,
      outputTokens: 7,
      tokensPerSecond: 30,
      generationMs: 233,
    },
  };

  it('gives the answer whole with its counts and times', () => {
    expect(boxAnswer(routed, BOX)).toEqual({
      kind: 'answer',
      text: 'The answer.',
      model: 'qwen3:8b',
      done: { doneReason: 'stop', promptTokens: 120, outputTokens: 7, loadMs: 100, generatingMs: 233 },
    });
  });

  it('gives the job of a handed-over call, to wait for by calling again', () => {
    const handed = {
      text: 'Handed over as job j1, still running …',
      job: { id: 'j1', state: 'running', partsDone: 0, step: 'qwen3:8b: 40 tokens generated' },
    };
    expect(boxAnswer(handed, BOX)).toMatchObject({ kind: 'job', job: { id: 'j1', state: 'running' } });
  });

  it('says where a lost job was, in this version’s words (step) or an earlier box’s (progress)', () => {
    expect(
      refused(() => boxAnswer({ text: '', job: { id: 'j3', state: 'lost', partsDone: 2, step: 'part 3 of 9' } }, BOX))
        .message,
    ).toContain('(part 3 of 9)');
    expect(
      refused(() =>
        boxAnswer({ text: '', job: { id: 'j3', state: 'lost', partsDone: 2, progress: 'part 4 of 9' } }, BOX),
      ).message,
    ).toContain('(part 4 of 9)');
  });

  it('fails a job the box lost or that failed, saying so', () => {
    for (const state of ['failed', 'cancelled', 'lost']) {
      const err = refused(() => boxAnswer({ text: '', job: { id: 'j2', state, partsDone: 0 } }, BOX));
      expect(err.kind).toBe('server_error');
      expect(err.message).toContain('j2');
    }
  });

  it.each([
    ['an answer past the bound', { ...routed, text: 'x'.repeat(MAX_TEXT + 1) }, 'text'],
    ['no text', { model: 'a' }, 'text'],
    [
      'counts past any answer',
      { ...routed, metrics: { ...routed.metrics, outputTokens: 1e12 } },
      'metrics.outputTokens',
    ],
    ['a negative time', { ...routed, metrics: { ...routed.metrics, loadMs: -5 } }, 'metrics.loadMs'],
    ['a job of an unknown state', { text: '', job: { id: 'j', state: 'sleeping', partsDone: 0 } }, 'job.state'],
  ])('refuses %s', (_what, value, where) => {
    const err = refused(() => boxAnswer(value, BOX));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toContain('route_and_generate');
    expect(err.message).toContain(`(${where}:`);
  });

  it("words the box's refusals by kind, bounded", () => {
    expect(
      boxRefusal(
        'route_and_generate',
        [{ type: 'text', text: 'Model "nope" is not installed on Ollama at x.' }],
        BOX,
        'nope',
      ).kind,
    ).toBe('model_not_found');
    expect(
      boxRefusal(
        'route_and_generate',
        [{ type: 'text', text: 'Invalid arguments for route_and_generate: maxTokens must be …' }],
        BOX,
      ).kind,
    ).toBe('bad_request');
    const long = boxRefusal('route_and_generate', [{ type: 'text', text: 'every model failed '.repeat(500) }], BOX);
    expect(long.kind).toBe('server_error');
    expect(long.message.length).toBeLessThan(2300);
  });

  it('reads the tokens generated from its progress messages', () => {
    expect(tokensIn('qwen3:8b: 42 tokens generated, 30.5 tok/s')).toBe(42);
    expect(tokensIn('qwen3:8b: 1 token generated')).toBe(1);
    expect(tokensIn('loading qwen3:8b (5 GB): ~3 s estimated')).toBeUndefined();
    expect(tokensIn(undefined)).toBeUndefined();
  });

  it('sends the prompt and its limits with the model named, never a path nor the memory of the box', () => {
    const args = generateArgs({
      model: 'qwen3:8b',
      prompt: 'Summarise:\n<file a.ts>…',
      system: 'Be brief.',
      keepAlive: '5m',
      numCtx: 8192,
      maxTokens: 256,
      askedMaxTokens: 256,
      temperature: 0.2,
      agent: 'claude-code',
      onDelta: () => undefined,
    });
    expect(args).toEqual({
      prompt: 'Summarise:\n<file a.ts>…',
      model: 'qwen3:8b',
      maxTokens: 256,
      useMemory: false,
      system: 'Be brief.',
      temperature: 0.2,
    });
    expect(Object.keys(args)).not.toContain('files');
    expect(Object.keys(args)).not.toContain('diff');
  });

  it('sends an answer limit only when someone set one: a default is the box’s own, fitted to its window', () => {
    const req = { model: 'phi3:mini', prompt: 'hello there', keepAlive: '5m', numCtx: 4096, onDelta: () => undefined };
    expect(generateArgs({ ...req, maxTokens: 4096 })).not.toHaveProperty('maxTokens');
    expect(generateArgs({ ...req, maxTokens: 200, askedMaxTokens: 200 })).toMatchObject({ maxTokens: 200 });
  });
});
