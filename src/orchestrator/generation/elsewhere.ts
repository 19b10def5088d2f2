/**
 * When no local model answered (Ollama down, or every candidate failed): the OpenAI-compatible
 * hosts in priority order (settings' hosts, then the fallback provider), else the error that
 * lists every attempt.
 */
import { cancelledText } from '../util/stopping.js';
import { HostError } from '../engines/ollama/ollama.js';
import type { Orchestrator } from '../orchestrator.js';
import type { ProfileName, TaskType } from '../models/profiles.js';
import type { Complexity } from './classify.js';
import { RouteError, type Attempt, type RouteRequest, type RouteResult } from './route-types.js';

function describeAttempts(attempts: Attempt[]): string {
  return attempts.map((a) => `${a.model}: ${a.error}`).join('; ');
}

export interface Elsewhere {
  req: RouteRequest;
  task: TaskType;
  profile: ProfileName;
  complexity: Complexity;
  system: string | undefined;
  maxTokens: number;
  attempts: Attempt[];
  notes: string[];
}

export async function answerElsewhere(orch: Orchestrator, c: Elsewhere): Promise<RouteResult> {
  const { req, attempts } = c;
  const started = performance.now();
  const out = await orch.engines.answer(
    {
      prompt: req.prompt,
      maxTokens: c.maxTokens,
      temperature: req.temperature ?? orch.config.settings.options.temperature,
      ...(c.system && { system: c.system }),
      ...(req.images && { images: req.images }),
      ...(req.signal && { signal: req.signal }),
      onTry: (host, model) => req.progress?.enter({ kind: 'starting', what: `no local model answered; asking ${host} (${model})` }),
      ...(req.onProgress && { onToken: (n: number, _host: string, model: string) => req.onProgress!(n, model) }),
    },
    attempts,
  );
  if (req.signal?.aborted) throw new HostError('aborted', cancelledText('route_and_generate', req.signal), orch.host);
  if (out) {
    const provider = out.host === 'fallback' ? 'fallback' : 'openai';
    const result: RouteResult = {
      model: out.model,
      provider,
      host: out.host,
      task: c.task,
      profile: c.profile,
      complexity: c.complexity,
      reason: `${attempts.length ? 'No local model answered' : 'No local model could take this'}, so ${provider === 'fallback' ? 'the configured fallback provider' : `the OpenAI-compatible host ${out.host}`} ${out.address} (${out.model}) answered.`,
      fallbacks: attempts,
      text: out.text,
      doneReason: out.doneReason,
      contextLength: 0,
      metrics: { totalMs: Math.round(performance.now() - started), loadMs: 0, queueMs: 0, timeToFirstTokenMs: out.timeToFirstTokenMs, promptTokens: out.promptTokens, outputTokens: out.outputTokens, tokensPerSecond: out.tokensPerSecond },
    };
    if (out.thinking) result.thinking = out.thinking;
    return c.notes.length > 0 ? { ...result, notes: c.notes } : result;
  }
  throw new RouteError(`No local model could do this (${describeAttempts(attempts)}). Do the task yourself, or fix what the attempts name and try again.`, attempts);
}
