// llama-server's answers read as data (llamacpp-answers.ts): what is taken from a router's model
// entry, a status' arguments and a model's /props, and what is not believed.
import { describe, expect, it } from 'vitest';
import {
  parseJson,
  readArgs,
  readModel,
  readRuntime,
} from '../../src/orchestrator/engines/llamacpp/llamacpp-answers.js';

describe("a status' arguments", () => {
  it('reads every spelling of the flags that matter for memory', () => {
    expect(readArgs(['--cache-type-k', 'q8_0', '-ctv', 'q4_0'])).toEqual({ cacheTypeK: 'q8_0', cacheTypeV: 'q4_0' });
    expect(readArgs(['--ctx-size', '4096', '--parallel', '2', '--cache-ram', '0', '--model', 'a.gguf'])).toEqual({
      ctxSize: 4096,
      parallel: 2,
      cacheRamMiB: 0,
      file: 'a.gguf',
    });
  });

  it('takes no number that is not one', () => {
    expect(
      readArgs([
        '--ctx-size',
        'auto',
        '-c',
        'x',
        '--parallel',
        'many',
        '-np',
        'x',
        '--cache-ram',
        'lots',
        '-cram',
        'x',
      ]),
    ).toEqual({});
  });

  it('reads no value past the last argument', () => {
    expect(readArgs(['-c', '512', '--model'])).toEqual({ ctxSize: 512 });
    expect(readArgs(['-m'])).toEqual({});
  });
});

describe("a router's model entry", () => {
  it('is no entry without a non-empty string id, or as something other than an object', () => {
    for (const entry of [null, ['a'], 'a', { id: '' }, { id: 5, status: { value: 'loaded' } }])
      expect(readModel(entry, true), JSON.stringify(entry)).toBeUndefined();
  });

  it('a status that is not an object is no router entry', () => {
    expect(readModel({ id: 'a', status: ['loaded'] }, false)).toBeUndefined();
    expect(readModel({ id: 'a', status: null }, false)).toBeUndefined();
  });

  it('a status without a value is unloaded; args that are not a list are none', () => {
    expect(readModel({ id: 'a', status: { value: 5, args: '--model a.gguf' } }, false)).toEqual({
      id: 'a',
      status: 'unloaded',
      args: {},
    });
  });

  it("keeps the sampling its preset starts it with, as Ollama writes a model's parameters", () => {
    expect(
      readModel(
        { id: 'a', status: { value: 'loaded', args: ['--model', 'a.gguf', '--temp', '0.2', '--top-k', '20'] } },
        false,
      ),
    ).toEqual({
      id: 'a',
      status: 'loaded',
      args: { file: 'a.gguf' },
      sampling: 'temperature 0.2\ntop_k 20',
    });
    // none: no sampling member at all
    expect(readModel({ id: 'a', status: { value: 'loaded', args: ['--model', 'a.gguf'] } }, false)).toStrictEqual({
      id: 'a',
      status: 'loaded',
      args: { file: 'a.gguf' },
    });
  });

  it('a failed load by its value or its flag, with the exit code only when it is a number', () => {
    expect(readModel({ id: 'a', status: { value: 'failed' } }, false)).toEqual({
      id: 'a',
      status: 'failed',
      args: {},
      failure: 'its last load failed',
    });
    expect(readModel({ id: 'a', status: { value: 'unloaded', failed: true, exit_code: '1' } }, false)).toEqual({
      id: 'a',
      status: 'failed',
      args: {},
      failure: 'its last load failed',
    });
    // loading again after a failure: the status is what it does now, the failure is kept
    expect(readModel({ id: 'a', status: { value: 'loading', failed: true, exit_code: 9 } }, false)).toEqual({
      id: 'a',
      status: 'loading',
      args: {},
      failure: 'its last load failed (exit code 9)',
    });
    // `failed` only when it is true
    expect(readModel({ id: 'a', status: { value: 'unloaded', failed: 'yes' } }, false)).toEqual({
      id: 'a',
      status: 'unloaded',
      args: {},
    });
  });
});

describe("a model's /props", () => {
  it('counts one slot when the slots are not a positive whole number, and sleeping only when it says true', () => {
    for (const total_slots of [0, 1.5, '2', -1])
      expect(readRuntime({ default_generation_settings: { n_ctx: 512 }, total_slots, is_sleeping: 'true' })).toEqual({
        nCtx: 512,
        slots: 1,
        sleeping: false,
      });
    expect(readRuntime({ default_generation_settings: [512] })).toBeUndefined();
  });
});

describe('JSON text', () => {
  it('is parsed, or undefined when it is empty or not JSON', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('')).toBeUndefined();
    expect(parseJson('<html>')).toBeUndefined();
  });
});
