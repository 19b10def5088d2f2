/**
 * A neutral generation (engine.ts) as one streamed chat completion: for OpenAI-compatible engines
 * and for llama-server, which speaks the same API. The answer's pieces are passed on as they come;
 * a 'stop' from the caller closes the request and keeps the answer so far.
 */
import type { CallOptions } from '../engine.js';
import type { GenerateDone, GenerateRequest } from '../engine-requests.js';
import type { OpenAIBackend } from './openai.js';
import { HostError } from '../host-error.js';
import { cancelledText } from '../../util/stopping.js';
import { OWNER_KEY } from '../../config/agents.js';

export async function chatGenerate(
  backend: OpenAIBackend,
  modelId: string,
  req: GenerateRequest,
  stallTimeoutMs: number,
  options: CallOptions = {},
): Promise<GenerateDone> {
  const stop = new AbortController();
  let stopped = false;
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    const out = await backend.streamChat({
      model: modelId,
      prompt: req.prompt,
      maxTokens: req.maxTokens,
      stallTimeoutMs,
      ...(req.temperature !== undefined && { temperature: req.temperature }),
      ...(req.topP !== undefined && { topP: req.topP }),
      signal,
      ...(req.system && { system: req.system }),
      ...(req.images?.length && { images: req.images }),
      ...(req.format !== undefined && { format: req.format }),
      // whose the prompt is, where the engine keeps caches apart by it: another agent's guess of it finds
      // nothing cached
      ...(req.owner !== undefined &&
        OWNER_KEY.test(req.owner) &&
        backend.takesCacheSalt(modelId) && { cacheSalt: req.owner }),
      onDelta: (d) => {
        if (!stopped && req.onDelta(d) === 'stop') {
          stopped = true;
          stop.abort();
        }
      },
    });
    // cancelled while the last of it arrived: a cancelled call never answers
    if (options.signal?.aborted)
      throw new HostError('aborted', cancelledText(`generation on "${req.model}"`, options.signal), backend.host);
    const generatingMs =
      out.generatingMs ?? (out.tokensPerSecond > 0 ? (out.outputTokens / out.tokensPerSecond) * 1000 : undefined);
    return {
      doneReason: out.doneReason === 'length' ? 'length' : 'stop',
      promptTokens: out.promptTokens,
      outputTokens: out.outputTokens,
      ...(generatingMs !== undefined && { generatingMs }),
      ...(out.promptMs !== undefined && { promptMs: out.promptMs }),
      ...(out.cachedPromptTokens !== undefined && { cachedPromptTokens: out.cachedPromptTokens }),
    };
  } catch (err) {
    if (stopped && !options.signal?.aborted) return { doneReason: 'length' };
    if (options.signal?.aborted && !(err instanceof HostError && err.kind === 'aborted'))
      throw new HostError('aborted', cancelledText(`generation on "${req.model}"`, options.signal), backend.host);
    throw err;
  }
}
