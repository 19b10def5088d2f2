// The pure parts of the llama.cpp host: reading a router's status args, and a model's memory from its header.
import { describe, expect, it } from 'vitest';
import { readArgs, readModel } from '../../src/orchestrator/engines/llamacpp/llamacpp-api.js';
import {
  cacheTypeBytes,
  kvBytes,
  parameterSize,
  predictBytes,
  runContext,
  type GgufFacts,
} from '../../src/orchestrator/engines/llamacpp/llamacpp-gguf.js';

/** The stories model's header: llama, 5 blocks, 8 heads, 4 KV heads, 64 wide, 2048 trained. */
const STORIES: GgufFacts = {
  file: 's.gguf',
  fileBytes: 1_185_632,
  architecture: 'llama',
  contextLength: 2048,
  blocks: 5,
  heads: 8,
  kvHeads: 4,
  embedding: 64,
};

describe('llama-server status args', () => {
  it('reads the model file, context, slots and cache types, long and short', () => {
    expect(
      readArgs([
        '/bin/llama-server',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--ctx-size',
        '4096',
        '--model',
        '/m/a.gguf',
        '--parallel',
        '2',
        '-ctk',
        'q8_0',
        '--cache-type-v',
        'q4_0',
      ]),
    ).toEqual({
      file: '/m/a.gguf',
      ctxSize: 4096,
      parallel: 2,
      cacheTypeK: 'q8_0',
      cacheTypeV: 'q4_0',
    });
    expect(readArgs(['-m', 'x.gguf', '-c', '512', '-np', '1'])).toEqual({ file: 'x.gguf', ctxSize: 512, parallel: 1 });
  });

  it('reads a router entry, a failed load, and a single-model entry (loaded, no status)', () => {
    expect(readModel({ id: 'a', status: { value: 'loaded', args: ['--model', 'a.gguf'] } }, false)).toEqual({
      id: 'a',
      status: 'loaded',
      args: { file: 'a.gguf' },
    });
    expect(readModel({ id: 'b', status: { value: 'unloaded', failed: true, exit_code: 1 } }, false)).toEqual({
      id: 'b',
      status: 'failed',
      args: {},
      failure: 'its last load failed (exit code 1)',
    });
    expect(readModel({ id: 'c' }, true)).toEqual({ id: 'c', status: 'loaded', args: {} });
    expect(readModel({ id: 'c' }, false)).toBeUndefined();
    expect(readModel({ nope: 1 }, false)).toBeUndefined();
  });
});

describe('a llama-server model’s memory', () => {
  it('is the weights plus an f16 KV cache for its --ctx-size, which its slots share', () => {
    expect(kvBytes(STORIES, { ctxSize: 512 })).toBe(2 * 5 * 4 * 8 * 512 * 2);
    expect(kvBytes(STORIES, { ctxSize: 512, parallel: 4 })).toBe(2 * 5 * 4 * 8 * 512 * 2);
    // the prompt cache in RAM: --cache-ram (8192 MiB unless set) and the context's tokens bound it, so here
    // the KV once more
    expect(predictBytes(STORIES, { ctxSize: 2048 })).toEqual({
      weightsBytes: 1_185_632,
      kvBytes: 1_310_720,
      cacheBytes: 1_310_720,
      totalBytes: 1_185_632 + 2 * 1_310_720,
    });
  });

  it('without --ctx-size (or 0) uses the trained context; quantized caches take less', () => {
    expect(runContext(STORIES, {})).toBe(2048);
    expect(runContext(STORIES, { ctxSize: 0 })).toBe(2048);
    expect(kvBytes(STORIES, { ctxSize: 512, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0' })).toBe(
      Math.ceil(5 * 4 * 512 * 8 * 2 * (34 / 32)),
    );
    expect(cacheTypeBytes('f32')).toBe(4);
    expect(cacheTypeBytes(undefined)).toBe(2);
  });

  it('uses key and value lengths when the header has them, and counts nothing it cannot size', () => {
    expect(kvBytes({ ...STORIES, keyLength: 16, valueLength: 8 }, { ctxSize: 100 })).toBe(
      5 * 4 * 100 * (16 * 2 + 8 * 2),
    );
    expect(kvBytes({ file: 'x', fileBytes: 10, architecture: 'x' }, { ctxSize: 100 })).toBe(0);
  });

  it('names parameter counts as Ollama does', () => {
    expect(parameterSize(292_800)).toBe('293K');
    expect(parameterSize(7_615_616_512)).toBe('7.6B');
    expect(parameterSize(undefined)).toBe('');
  });
});

describe('how messages name a host', () => {
  it('an Ollama host as Ollama, a llama-server router as llama-server, in every message built from backend.who', async () => {
    const { OllamaBackend } = await import('../../src/orchestrator/engines/ollama/ollama.js');
    const { LlamacppBackend } = await import('../../src/orchestrator/engines/llamacpp/llamacpp.js');
    expect(new OllamaBackend({ host: 'http://127.0.0.1:11434', timeoutMs: 1000 }).who).toBe(
      'Ollama at 127.0.0.1:11434',
    );
    expect(new LlamacppBackend({ name: 'llama', url: 'http://127.0.0.1:8080', timeoutMs: 1000 }).who).toMatch(
      /^llama-server at 127\.0\.0\.1:8080/,
    );
  });
});
