// What an OpenAI-compatible engine's /v1/models tells: its model ids, and the window each reports.
import { describe, expect, it } from 'vitest';
import { readModelList, modelIds } from '../../src/orchestrator/engines/openai/openai-http.js';

describe('an OpenAI model list', () => {
  it('gives each model’s window where the engine reports one, in any of the engines’ words', () => {
    const list = readModelList(
      JSON.stringify({
        object: 'list',
        data: [
          { id: 'Qwen/Qwen2.5-Coder-7B-Instruct', object: 'model', owned_by: 'vllm', max_model_len: 32768 },
          { id: 'storiesA', object: 'model', owned_by: 'llamacpp', meta: { n_ctx_train: 2048, n_params: 292000 } },
          { id: 'qwen2.5-7b-instruct', object: 'model', max_context_length: 131072 },
          { id: 'openrouter/model', context_length: 200000 },
          { id: 'plain', object: 'model' },
          { id: 'absurd', max_model_len: 1e12 },
          { id: 'tiny', max_model_len: 12 },
          { id: 'not-a-number', max_model_len: '4096' },
        ],
      }),
    );
    expect(list?.ids).toEqual([
      'Qwen/Qwen2.5-Coder-7B-Instruct',
      'storiesA',
      'qwen2.5-7b-instruct',
      'openrouter/model',
      'plain',
      'absurd',
      'tiny',
      'not-a-number',
    ]);
    expect(Object.fromEntries(list!.contexts)).toEqual({
      'Qwen/Qwen2.5-Coder-7B-Instruct': 32768,
      storiesA: 2048,
      'qwen2.5-7b-instruct': 131072,
      'openrouter/model': 200000,
    });
  });

  it('leaves out entries without a usable id, and is undefined for what is not a model list', () => {
    expect(
      modelIds(JSON.stringify({ data: [{ id: '' }, { id: 7 }, null, 'x', { id: 'ok' }, { id: 'x'.repeat(100_000) }] })),
    ).toEqual(['ok']);
    expect(readModelList('<html>not found</html>')).toBeUndefined();
    expect(readModelList(JSON.stringify({ models: [] }))).toBeUndefined();
  });
});
