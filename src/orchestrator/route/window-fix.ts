/**
 * What would let a model take work its window is too small for even in parts, said in its engine's
 * own terms (pure): the window each engine kind is given its size by — llama-server's
 * -c/--ctx-size, Ollama's num_ctx (set per request within the trained window and the host's
 * memory; a model trained for less cannot have it), an OpenAI-compatible engine's own
 * context-length setting.
 */
import type { EngineKind } from '../engines/engine.js';

export function windowFix(kind: EngineKind, model: string, minWindow: number, trainedWindow: number): string {
  if (kind === 'llamacpp')
    return (
      `restart llama-server with -c/--ctx-size ${minWindow} or more for ${model} (ctx-size in its ` +
      `--models-preset section)`
    );
  if (kind === 'ollama' && trainedWindow > 0 && trainedWindow < minWindow)
    return `${model} was trained for ${trainedWindow} tokens only: use a model with a window of at least ${minWindow}`;
  if (kind === 'ollama')
    return (
      `Ollama needs num_ctx ${minWindow} or more for ${model}: free memory so its host can hold ` +
      `that window (ollm-mcp sets num_ctx per request)`
    );
  return (
    `serve ${model} with a window of at least ${minWindow} tokens (the engine's context-length ` +
    `setting, e.g. vLLM's --max-model-len)`
  );
}
