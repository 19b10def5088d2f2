/** create_model's arguments, checked before anything is sent (models/create-check.ts): both sides of every check. */
import { describe, expect, it } from 'vitest';
import {
  checkCreate,
  MAX_CREATE_TEXT,
  MAX_MESSAGES,
  MAX_STOPS,
  PARAMETER_RULES,
  QUANTIZABLE,
  quantizeType,
} from '../../src/orchestrator/models/create-check.js';

const ok = (input: Parameters<typeof checkCreate>[0]) => {
  const out = checkCreate(input);
  if (!out.ok) throw new Error(out.error);
  return out.request;
};
const refused = (input: Parameters<typeof checkCreate>[0]) => {
  const out = checkCreate(input);
  if (out.ok) throw new Error(`accepted: ${JSON.stringify(out.request)}`);
  return out.error;
};
const base = { name: 'terse', from: 'llama3.1:8b' };

describe('create_model arguments', () => {
  it('accepts a model with every parameter at a sensible value, names canonical', () => {
    const parameters = {
      num_ctx: 16384,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      min_p: 0.05,
      typical_p: 1,
      repeat_penalty: 1.1,
      repeat_last_n: 64,
      presence_penalty: -0.5,
      frequency_penalty: 0.5,
      seed: 42,
      num_predict: -1,
      num_keep: 4,
      num_batch: 512,
      num_gpu: -1,
      main_gpu: 0,
      num_thread: 8,
      use_mmap: false,
      stop: ['</s>', 'User:'],
    };
    const req = ok({
      ...base,
      system: 'Be terse.',
      template: '{{ .Prompt }}',
      parameters,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hi.' },
        { role: 'system', content: 's' },
      ],
      quantize: 'Q4_k_m',
    });
    expect(req).toEqual({
      model: 'terse:latest',
      from: 'llama3.1:8b',
      system: 'Be terse.',
      template: '{{ .Prompt }}',
      parameters,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hi.' },
        { role: 'system', content: 's' },
      ],
      quantize: 'q4_K_M',
    });
    expect(Object.keys(parameters).sort()).toEqual(Object.keys(PARAMETER_RULES).sort()); // every parameter tried
  });

  it('accepts each bound itself', () => {
    expect(
      ok({ ...base, parameters: { temperature: 0, top_p: 1, num_ctx: 1, seed: -1, num_predict: -2 } }).parameters,
    ).toEqual({ temperature: 0, top_p: 1, num_ctx: 1, seed: -1, num_predict: -2 });
    expect(
      ok({ ...base, parameters: { stop: Array.from({ length: MAX_STOPS }, (_, i) => `s${i}`) } }).parameters?.stop,
    ).toHaveLength(MAX_STOPS);
    expect(ok({ ...base, system: 'x'.repeat(MAX_CREATE_TEXT) }).system).toHaveLength(MAX_CREATE_TEXT);
    expect(
      ok({ ...base, messages: Array.from({ length: MAX_MESSAGES }, () => ({ role: 'user', content: 'x' })) }).messages,
    ).toHaveLength(MAX_MESSAGES);
  });

  it.each([
    [{ bogus: 1 }, '"bogus" is not one of Ollama\'s parameters'],
    [{ mirostat: 1 }, '"mirostat" is not one of Ollama\'s parameters'],
    [{ temperature: '0.2' }, 'parameters.temperature must be a number from 0 to 5'],
    [{ temperature: 5.5 }, 'parameters.temperature must be from 0 to 5 (got 5.5)'],
    [{ temperature: -0.1 }, 'parameters.temperature must be from 0 to 5'],
    [{ top_p: 1.01 }, 'parameters.top_p must be from 0 to 1'],
    [{ num_ctx: 0 }, 'parameters.num_ctx must be from 1 to'],
    [{ num_ctx: 4096.5 }, 'parameters.num_ctx must be a whole number'],
    [{ top_k: -1 }, 'parameters.top_k must be from 0 to'],
    [{ seed: -2 }, 'parameters.seed must be from -1 to'],
    [{ num_predict: -3 }, 'parameters.num_predict must be from -2 to'],
    [{ presence_penalty: 2.5 }, 'parameters.presence_penalty must be from -2 to 2'],
    [{ use_mmap: 1 }, 'parameters.use_mmap must be true or false'],
    [{ stop: '</s>' }, 'parameters.stop must be a list'],
    [{ stop: [] }, 'parameters.stop must be a list'],
    [{ stop: [''] }, 'parameters.stop[0] must be a string'],
    [{ stop: ['a', 7] }, 'parameters.stop[1] must be a string'],
    [{ stop: Array.from({ length: MAX_STOPS + 1 }, () => 'x') }, `parameters.stop holds ${MAX_STOPS + 1} strings`],
  ])('refuses parameters %j, naming it', (parameters, message) => {
    expect(refused({ ...base, parameters })).toContain(message);
  });

  it('refuses a bad name, a bad base, the base itself, and an unknown quantization', () => {
    expect(refused({ ...base, name: 'bad name' })).toMatch(/^name: /);
    expect(refused({ ...base, from: 'llama3.1:' })).toMatch(/^from: /);
    expect(refused({ name: 'llama3.1:latest', from: 'llama3.1' })).toContain('a model is made under a new name');
    expect(refused({ ...base, quantize: 'q3_K' })).toContain('quantize: "q3_K" is not a type Ollama makes');
    expect(quantizeType('Q4_K')).toBe('q4_K_M'); // Ollama's alias
  });

  it('bounds every text and the messages', () => {
    expect(refused({ ...base, system: 'x'.repeat(MAX_CREATE_TEXT + 1) })).toContain(
      `system holds ${MAX_CREATE_TEXT + 1} characters`,
    );
    expect(refused({ ...base, template: 'x'.repeat(MAX_CREATE_TEXT + 1) })).toContain('template holds');
    expect(refused({ ...base, system: '  ' })).toContain('system is empty');
    expect(refused({ ...base, messages: [{ role: 'user', content: 'x'.repeat(MAX_CREATE_TEXT + 1) }] })).toContain(
      'messages[0].content holds',
    );
    expect(refused({ ...base, messages: [{ role: 'tool', content: 'x' }] })).toContain(
      'messages[0].role must be one of system, user, assistant',
    );
    expect(refused({ ...base, messages: [{ role: 'user', content: 3 }] })).toContain(
      'messages[0].content must be a string',
    );
    expect(refused({ ...base, messages: ['hi'] })).toContain('messages[0].role');
    expect(refused({ ...base, messages: [] })).toContain(`messages must hold 1 to ${MAX_MESSAGES}`);
    expect(
      refused({ ...base, messages: Array.from({ length: MAX_MESSAGES + 1 }, () => ({ role: 'user', content: 'x' })) }),
    ).toContain(`(got ${MAX_MESSAGES + 1})`);
    expect(refused({ ...base, parameters: [] as unknown as Record<string, unknown> })).toContain(
      'parameters must be an object',
    );
  });

  it('takes -1 where Ollama means "all" or "none" by it, and nothing below', () => {
    for (const name of ['num_keep', 'repeat_last_n', 'num_gpu', 'seed']) {
      expect(ok({ ...base, parameters: { [name]: -1 } }).parameters).toEqual({ [name]: -1 });
      expect(refused({ ...base, parameters: { [name]: -2 } })).toMatch(
        new RegExp(`^parameters\\.${name} must be from -1 to `),
      );
    }
    // -2: fill the context
    expect(ok({ ...base, parameters: { num_predict: -2 } }).parameters).toEqual({ num_predict: -2 });
    expect(refused({ ...base, parameters: { num_predict: -3 } })).toMatch(
      /^parameters\.num_predict must be from -2 to /,
    );
  });

  it('refuses a number parameter that is not a finite number, saying it must be one', () => {
    expect(refused({ ...base, parameters: { temperature: '0.2' } })).toBe(
      'parameters.temperature must be a number from 0 to 5 (got "0.2")',
    );
    expect(refused({ ...base, parameters: { temperature: Number.NaN } })).toBe(
      'parameters.temperature must be a number from 0 to 5 (got NaN)',
    );
    expect(refused({ ...base, parameters: { num_ctx: Number.POSITIVE_INFINITY } })).toBe(
      'parameters.num_ctx must be a number from 1 to 16777216 (got Infinity)',
    );
  });

  it('names every parameter Ollama takes when one is not', () => {
    expect(refused({ ...base, parameters: { temprature: 0.2 } })).toBe(
      'parameters: "temprature" is not one of Ollama\'s parameters — the names are num_ctx, ' +
        'num_batch, num_gpu, main_gpu, num_thread, use_mmap, num_keep, seed, num_predict, top_k, ' +
        'top_p, min_p, typical_p, repeat_last_n, temperature, repeat_penalty, presence_penalty, ' +
        'frequency_penalty, stop',
    );
  });

  it('refuses parameters and messages that are not objects (null, a string), saying what they were', () => {
    expect(refused({ ...base, parameters: null as unknown as Record<string, unknown> })).toContain(
      'parameters must be an object',
    );
    expect(refused({ ...base, parameters: 'temperature' as unknown as Record<string, unknown> })).toContain(
      'parameters must be an object',
    );
    expect(refused({ ...base, messages: [null] })).toBe(
      'messages[0].role must be one of system, user, assistant (got null)',
    );
    expect(refused({ ...base, messages: ['hi'] })).toBe(
      'messages[0].role must be one of system, user, assistant (got "hi")',
    );
  });

  it('bounds each stop word at 200 characters', () => {
    expect(ok({ ...base, parameters: { stop: ['x'.repeat(200)] } }).parameters).toEqual({ stop: ['x'.repeat(200)] });
    expect(refused({ ...base, parameters: { stop: ['ok', 'x'.repeat(201)] } })).toBe(
      'parameters.stop[1] must be a string of 1 to 200 characters (got a string)',
    );
  });

  it('sends no parameters when none are given', () => {
    expect(ok({ ...base, parameters: {} })).toEqual({ model: 'terse:latest', from: 'llama3.1:8b' });
  });

  it(
    'takes each quantization type Ollama makes, in any case and with spaces around, and names ' +
      'them all when it is not one',
    () => {
      for (const [given, type] of [
        ['Q4_K_M', 'q4_K_M'],
        ['q4_k_s', 'q4_K_S'],
        ['Q8_0', 'q8_0'],
        ['F16', 'f16'],
        ['BF16', 'bf16'],
        ['F32', 'f32'],
        [' q8_0 ', 'q8_0'],
        [' q4_K ', 'q4_K_M'],
      ]) {
        expect(quantizeType(given!)).toBe(type);
        expect(ok({ ...base, quantize: given }).quantize).toBe(type);
      }
      expect(refused({ ...base, quantize: 'q4_0' })).toBe(
        'quantize: "q4_0" is not a type Ollama makes — one of q4_K_M, q4_K_S, q8_0, f16, bf16, f32',
      );
    },
  );

  it('quantizes only bases in F16, BF16 or F32, as Ollama does (create.go), which create_model checks and names', () => {
    expect(QUANTIZABLE).toEqual(['F16', 'BF16', 'F32']);
  });
});
