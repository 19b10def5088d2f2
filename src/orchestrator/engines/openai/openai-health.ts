/**
 * An OpenAI-compatible engine's health, checked cheaply and never by a generation: /health where
 * the engine has it (a 503 there means it is still loading a model), else the model list.
 */
import type { EngineError } from './openai-errors.js';
import type { Failures } from './openai-failures.js';
import type { HealthAnswer } from './openai-http.js';
import { pathOf } from './openai-http.js';

export interface HealthResult {
  ok: boolean;
  /** What was found, or the error message. */
  detail: string;
  latencyMs: number;
  error?: EngineError;
}

/** What the check asks of its backend. */
export interface HealthSource {
  failures: Failures;
  /** The engine's name in settings and messages. */
  name: string;
  /** The health path's URL, while the engine may have one. */
  healthURL: string | undefined;
  /** GETs `url` under the backend's time limit, read as a health answer. */
  readHealth(url: string): Promise<HealthAnswer>;
  /** /health turned out not to exist here. */
  noHealth(): void;
  /** The model ids the engine serves. */
  listModels(): Promise<string[]>;
  /** The path of the API base the models were listed at. */
  apiPath(): string;
}

/** The engine's health; throws only when `signal` aborts. */
export async function checkHealth(b: HealthSource, signal: AbortSignal | undefined): Promise<HealthResult> {
  const started = performance.now();
  const done = (ok: boolean, detail: string, error?: EngineError): HealthResult => ({
    ok,
    detail,
    latencyMs: Math.round(performance.now() - started),
    ...(error && { error }),
  });
  const failed = (err: unknown): HealthResult => {
    const e = b.failures.fromThrown(err, { what: 'the health check', signal });
    if (e.kind === 'aborted') throw e;
    return done(false, e.message, e);
  };
  const healthURL = b.healthURL;
  if (healthURL) {
    const path = pathOf(healthURL);
    let h: HealthAnswer;
    try {
      h = await b.readHealth(healthURL);
    } catch (err) {
      return failed(err); // unreachable, or too slow: the model list would fare no better
    }
    if (h.state === 'ok') return done(true, `${b.failures.who} is healthy (${path}: ${h.said}).`);
    if (h.state === 'unready') {
      const next = /loading/i.test(h.said)
        ? 'it is still loading a model; try again shortly'
        : `check ${b.name}'s logs, or try again`;
      const e = b.failures.make(
        'server_error',
        `${b.failures.who} is not ready (${path}: HTTP ${h.status}, ${h.said}) — ${next}.`,
        { status: h.status },
      );
      return done(false, e.message, e);
    }
    if (h.state === 'missing') b.noHealth();
  }
  try {
    const ids = await b.listModels();
    return done(
      true,
      `${b.failures.who} serves ${ids.length} model${ids.length === 1 ? '' : 's'} (${b.apiPath()}/models).`,
    );
  } catch (err) {
    return failed(err);
  }
}
