/**
 * A model's own settings (issue 45, item 1): read from /api/show's `parameters` text and a
 * llama-server preset's arguments, and ranked — the caller's values, then the user's settings,
 * then the model's own, then ollm-mcp's defaults; a sampling option nobody asked for is not sent.
 */
import { describe, expect, it } from 'vitest';
import {
  describeSettings,
  modelSettings,
  ownNumber,
  parseParameters,
} from '../../src/orchestrator/models/model-settings.js';
import { answerLimit, streamOptions } from '../../src/orchestrator/generation/stream.js';
import { baseContext, contextFor } from '../../src/orchestrator/loading/load-context.js';
import { samplingParameters } from '../../src/orchestrator/engines/llamacpp/llamacpp-sampling.js';
import { settingsSchema } from '../../src/orchestrator/config/index.js';
import type { CatalogModel } from '../../src/orchestrator/models/catalog.js';

/** As Ollama writes them (Go's `%-30s %#v`). */
const SHOW = [
  'num_ctx                        16384',
  'stop                           "<|start_header_id|>"',
  'stop                           "<|eot_id|>"',
  'temperature                    0.2',
  'penalize_newline               false',
  'mirostat_tau                   5',
].join('\n');

const settings = (yaml: Record<string, unknown> = {}) => settingsSchema.parse(yaml);
const loaded = { model: 'terse:latest', keepAlive: '5m', contextLength: 16384 };
const MEMORY = { kind: 'cpu', totalBytes: 32e9, availableBytes: 30e9 } as unknown as Parameters<typeof baseContext>[1];

describe('parseParameters', () => {
  it('reads numbers, booleans, quoted strings, and every stop word as a list', () => {
    const p = parseParameters(SHOW);
    expect(p).toEqual({
      num_ctx: 16384,
      stop: ['<|start_header_id|>', '<|eot_id|>'],
      temperature: 0.2,
      penalize_newline: false,
      mirostat_tau: 5,
    });
  });

  it('reads CRLF text, a Go escape JSON does not know, and leaves out lines that are not "name value"', () => {
    const p = parseParameters('temperature 0.5\r\nstop "\\x00end"\r\n\r\nnovalue\r\nBad-Name 3\r\n  top_k   40  ');
    expect(p).toEqual({ temperature: 0.5, stop: ['\\x00end'], top_k: 40 });
  });

  it('keeps the first value of a repeated name, and bounds the count of names and stop words', () => {
    expect(parseParameters('seed 1\nseed 2')).toEqual({ seed: 1 });
    const many = Array.from({ length: 100 }, (_, i) => `p${i} ${i}`).join('\n');
    expect(Object.keys(parseParameters(many))).toHaveLength(64);
    const stops = Array.from({ length: 50 }, (_, i) => `stop "s${i}"`).join('\n');
    expect(parseParameters(stops)['stop']).toHaveLength(32);
    expect(parseParameters(`temperature ${'9'.repeat(600)}`)).toEqual({});
  });

  it('a name a prototype has cannot reach one', () => {
    const p = parseParameters('constructor 1\n__proto__ 2');
    expect(Object.getPrototypeOf(p)).toBeNull();
    expect(p['constructor']).toBe(1);
  });

  it('nothing given, nothing read', () => {
    expect(parseParameters(undefined)).toEqual({});
    expect(parseParameters('')).toEqual({});
  });
});

describe('modelSettings and describeSettings', () => {
  it('a model with parameters or a system prompt carries settings; one with neither carries none', () => {
    expect(modelSettings({ parameters: SHOW, system: 'Be terse.' })).toMatchObject({
      system: 'Be terse.',
      parameters: { temperature: 0.2 },
    });
    expect(modelSettings({ parameters: '', system: '  ' })).toBeUndefined();
    expect(modelSettings({ system: 'Only this.' })).toEqual({ parameters: {}, system: 'Only this.' });
  });

  it('says the settings in a few words, without the stop words every model has', () => {
    expect(describeSettings(modelSettings({ parameters: SHOW, system: 'x' }))).toBe(
      'num_ctx 16384, temperature 0.2, penalize_newline false, mirostat_tau 5, system prompt',
    );
    expect(describeSettings(modelSettings({ parameters: 'stop "<|im_end|>"' }))).toBeUndefined();
    expect(describeSettings(undefined)).toBeUndefined();
  });

  it('ownNumber reads numbers only', () => {
    const own = modelSettings({ parameters: 'num_ctx 8192\nstop "x"' });
    expect(ownNumber(own, 'num_ctx')).toBe(8192);
    expect(ownNumber(own, 'stop')).toBeUndefined();
    expect(ownNumber(undefined, 'num_ctx')).toBeUndefined();
  });
});

describe('what a generation sends', () => {
  const own = modelSettings({ parameters: 'temperature 0.2\nnum_predict 300', system: 'Be terse.' });

  it('no sampling option unless the caller or the settings ask; the model’s own limit before the default', () => {
    const o = streamOptions(settings(), loaded, { capabilities: [], maxTokens: undefined, own });
    expect(o).not.toHaveProperty('temperature');
    expect(o).not.toHaveProperty('topP');
    expect(o.maxTokens).toBe(300);
    expect(streamOptions(settings(), loaded, { capabilities: [], maxTokens: undefined }).maxTokens).toBe(4096);
    // a default — the model's own, ollm-mcp's — is no limit someone asked for (another ollm-mcp applies its own)
    expect(o).not.toHaveProperty('askedMaxTokens');
    expect(streamOptions(settings(), loaded, { capabilities: [], maxTokens: undefined })).not.toHaveProperty(
      'askedMaxTokens',
    );
  });

  it("the user's settings win over the model's own, the caller's over both", () => {
    const user = settings({ options: { temperature: 0.5, topP: 0.8, maxTokens: 1000 } });
    expect(streamOptions(user, loaded, { capabilities: [], maxTokens: undefined, own })).toMatchObject({
      temperature: 0.5,
      topP: 0.8,
      maxTokens: 1000,
      askedMaxTokens: 1000,
    });
    expect(streamOptions(user, loaded, { capabilities: [], maxTokens: 20, temperature: 1.1, own })).toMatchObject({
      temperature: 1.1,
      maxTokens: 20,
      askedMaxTokens: 20,
    });
  });

  it('a model limit of -1 or -2 (no limit, fill the window) leaves ollm-mcp’s', () => {
    expect(answerLimit(undefined, settings(), modelSettings({ parameters: 'num_predict -1' }))).toBe(4096);
    expect(answerLimit(undefined, settings(), modelSettings({ parameters: 'num_predict -2' }))).toBe(4096);
  });

  it(
    "the system prompt: the model's own first, ollm-mcp's additions after; the caller's " +
      'replaces it; none of ours, none sent',
    () => {
      expect(
        streamOptions(settings(), loaded, { capabilities: [], maxTokens: undefined, own, system: 'Cite lines.' })
          .system,
      ).toBe('Be terse.\n\nCite lines.');
      expect(
        streamOptions(settings(), loaded, {
          capabilities: [],
          maxTokens: undefined,
          own,
          system: 'Be long.',
          callerSystem: true,
        }).system,
      ).toBe('Be long.');
      expect(streamOptions(settings(), loaded, { capabilities: [], maxTokens: undefined, own })).not.toHaveProperty(
        'system',
      );
      expect(
        streamOptions(settings(), loaded, { capabilities: [], maxTokens: undefined, system: 'Cite lines.' }).system,
      ).toBe('Cite lines.');
    },
  );
});

describe('the window a model runs with', () => {
  const model = (numCtx?: number) =>
    ({
      contextWindow: 131072,
      ...(numCtx !== undefined && { own: { parameters: { num_ctx: numCtx } } }),
    }) as unknown as CatalogModel;

  it("the user's contextSize, else the model's own num_ctx, else the server's setting, else Ollama's default", () => {
    expect(baseContext(settings({ options: { contextSize: 8192 } }), MEMORY, model(16384))).toBe(8192);
    expect(baseContext(settings({ ollama: { contextLength: 2048 } }), MEMORY, model(16384))).toBe(16384);
    expect(baseContext(settings({ ollama: { contextLength: 2048 } }), MEMORY, model())).toBe(2048);
    expect(baseContext(settings(), MEMORY, model(0))).toBe(baseContext(settings(), MEMORY));
  });

  it("the model's own window when the work fits in it, else what the work needs", () => {
    const m = model(16384);
    const base = baseContext(settings(), MEMORY, m);
    expect(contextFor(m, undefined, 3000, base)).toBe(16384);
    expect(contextFor(m, undefined, 20000, base)).toBe(32768);
  });
});

describe("a llama-server preset's sampling", () => {
  it('reads the sampling flags, long and short, as Ollama names them', () => {
    const args = [
      '/bin/llama-server',
      '--host',
      '127.0.0.1',
      '--temp',
      '0.2',
      '--top-k',
      '20',
      '-s',
      '42',
      '-n',
      '256',
      '--top-p',
      '0.9',
      '--min-p',
      '0.05',
      '--ctx-size',
      '4096',
    ];
    expect(samplingParameters(args)).toBe('temperature 0.2\ntop_k 20\nseed 42\nnum_predict 256\ntop_p 0.9\nmin_p 0.05');
    expect(parseParameters(samplingParameters(args))).toEqual({
      temperature: 0.2,
      top_k: 20,
      seed: 42,
      num_predict: 256,
      top_p: 0.9,
      min_p: 0.05,
    });
  });

  it('leaves out a flag without a number, and the last flag without a value', () => {
    expect(samplingParameters(['--temp', 'hot', '--top-k', '', '--seed'])).toBe('');
    expect(samplingParameters([])).toBe('');
  });
});
