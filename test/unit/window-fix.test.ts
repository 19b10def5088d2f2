import { describe, expect, it } from 'vitest';
import { windowFix } from '../../src/orchestrator/route/window-fix.js';

// the plan above the adapters names the window it needs; each engine kind is told how to give it
describe('what would give a model the window a split job needs, per engine kind', () => {
  it('llama-server: its -c/--ctx-size', () => {
    expect(windowFix('llamacpp', 'stories:latest', 1545, 1536)).toBe(
      'restart llama-server with -c/--ctx-size 1545 or more for stories:latest (ctx-size in its ' +
        '--models-preset section)',
    );
  });
  it('Ollama: num_ctx, when the model was trained for that much; else another model', () => {
    expect(windowFix('ollama', 'llama3.2:latest', 1545, 131_072)).toMatch(
      /^Ollama needs num_ctx 1545 or more for llama3\.2:latest: free memory/,
    );
    expect(windowFix('ollama', 'phi:tiny', 1545, 1024)).toBe(
      'phi:tiny was trained for 1024 tokens only: use a model with a window of at least 1545',
    );
  });
  it('an OpenAI-compatible engine: its own context-length setting', () => {
    expect(windowFix('openai', 'qwen', 1545, 1536)).toMatch(
      /^serve qwen with a window of at least 1545 tokens \(the engine's context-length setting/,
    );
  });
});
