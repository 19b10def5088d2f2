/** What create_model says to do on a llama-server router instead (engines/llamacpp/llamacpp-preset.ts). */
import { describe, expect, it } from 'vitest';
import { presetAdvice, presetSection } from '../../src/orchestrator/engines/llamacpp/llamacpp-preset.js';

describe('a --models-preset section for a model llama-server cannot make', () => {
  it("writes llama-server's own argument names, the base's file, and what a preset cannot hold", () => {
    const out = presetSection(
      {
        model: 'terse:latest',
        from: 'qwen:latest',
        system: 'Be terse.',
        parameters: { temperature: 0.2, num_ctx: 16384, top_p: 0.9, num_predict: 256, stop: ['</s>'] },
      },
      '/models/qwen.gguf',
    );
    expect(out.section).toBe(
      '[terse:latest]\nmodel = /models/qwen.gguf\ntemp = 0.2\nctx-size = 16384\ntop-p = 0.9\nn-predict = 256',
    );
    expect(out.left).toEqual(['stop', 'system']);
  });

  it('says where the file goes when the router did not name it', () => {
    const advice = presetAdvice(
      { model: 'x:latest', from: 'qwen:latest', parameters: { temperature: 0.5 } },
      undefined,
    );
    expect(advice).toContain('--models-preset');
    expect(advice).toContain('model = /path/to/the .gguf of qwen:latest');
    expect(advice).not.toContain('cannot hold');
  });
});
