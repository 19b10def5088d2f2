/**
 * The last resort when every local model failed: an OpenAI-compatible chat API named in
 * settings (`fallback: {baseURL, model, apiKeyEnv}`). Used only when configured, and the result
 * says so. Rare, so Node's fetch is fine here.
 */
import type { Settings } from '../config/index.js';

export class CloudFallbackError extends Error {
  override name = 'CloudFallbackError';
}

export interface CloudRequest {
  prompt: string;
  system?: string;
  maxTokens: number;
  temperature: number;
  signal?: AbortSignal;
}

const TIMEOUT_MS = 120_000;

export async function cloudGenerate(fallback: NonNullable<Settings['fallback']>, req: CloudRequest): Promise<{ text: string; promptTokens: number; outputTokens: number }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (fallback.apiKeyEnv) {
    const key = process.env[fallback.apiKeyEnv];
    if (!key) throw new CloudFallbackError(`the fallback provider needs an API key in $${fallback.apiKeyEnv}, which is not set`);
    headers.authorization = `Bearer ${key}`;
  }
  const messages = [...(req.system ? [{ role: 'system', content: req.system }] : []), { role: 'user', content: req.prompt }];
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const url = `${fallback.baseURL.replace(/\/+$/, '')}/chat/completions`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: fallback.model, messages, max_tokens: req.maxTokens, temperature: req.temperature, stream: false }),
      signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
    });
  } catch (err) {
    throw new CloudFallbackError(timeout.aborted ? `${url} did not answer within ${TIMEOUT_MS / 1000} s` : `${url} is not reachable: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => undefined)) as
    | { choices?: Array<{ message?: { content?: string } }>; usage?: { prompt_tokens?: number; completion_tokens?: number }; error?: { message?: string } }
    | undefined;
  if (!res.ok) throw new CloudFallbackError(`${url} answered HTTP ${res.status}: ${body?.error?.message ?? res.statusText}`);
  const text = body?.choices?.[0]?.message?.content ?? '';
  if (!text.trim()) throw new CloudFallbackError(`${url} returned an empty answer`);
  return { text, promptTokens: body?.usage?.prompt_tokens ?? 0, outputTokens: body?.usage?.completion_tokens ?? 0 };
}

/** The fallback provider's answer, with route_and_generate's reason and metrics (it has no load, queue or stream of its own). */
export async function fallbackAnswer(fallback: NonNullable<Settings['fallback']>, req: CloudRequest) {
  const t0 = performance.now();
  const out = await cloudGenerate(fallback, req);
  const totalMs = Math.round(performance.now() - t0);
  return {
    text: out.text,
    reason: `Every local model failed, so the configured fallback provider ${new URL(fallback.baseURL).host} (${fallback.model}) answered.`,
    metrics: { totalMs, loadMs: 0, queueMs: 0, timeToFirstTokenMs: totalMs, promptTokens: out.promptTokens, outputTokens: out.outputTokens, tokensPerSecond: totalMs > 0 ? Math.round((out.outputTokens / totalMs) * 10000) / 10 : 0 },
  };
}
