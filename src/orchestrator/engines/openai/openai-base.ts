/**
 * Where an OpenAI-compatible engine's API is. The base URL is taken as users write it. One that
 * ends in a version segment (`/v1`, `/v1beta`, …; a trailing slash is dropped) is the API base as
 * it is. Any other (`http://host:8000`) is probed once, on first use: `<base>/v1/models` first,
 * then `<base>/models`; the first that lists models (or asks for an API key) becomes the API base
 * for the backend's life. A probe that cannot connect is not remembered, so a later call probes again.
 */
import type { Failures } from './openai-failures.js';
import { redactAddress } from '../../util/redact-secrets.js';
import { MODEL_LIST_BYTES, modelIds, pathOf, readCapped } from './openai-http.js';

const VERSIONED = /\/v\d+[a-z0-9]*$/i;

/** A base URL as configured, read. */
export interface EngineBase {
  /** The base URL requests go to (credentials in it kept). */
  base: string;
  /** The base URL for messages and logs: no trailing slash, no credentials, no query. */
  shown: string;
  /** host:port, for messages. */
  host: string;
  /** The base URL's query, sent with each request. */
  search: string;
  /** The API base, when the base URL ends in a version segment; else found by probing. */
  api: string | undefined;
  /** The health path's URL at the server root (beside /v1), unless it is skipped. */
  healthURL: string | undefined;
}

/** Reads the base URL of the engine `name`; a base URL that is not an http(s) URL is a TypeError. */
export function readBase(name: string, baseURL: string, healthPath: string | false | undefined): EngineBase {
  let url: URL;
  try {
    url = new URL(baseURL.trim());
  } catch {
    throw new TypeError(
      `${name}: baseURL ${JSON.stringify(redactAddress(baseURL).slice(0, 100))} is not a URL (write it like ` +
        'http://127.0.0.1:8000/v1)',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`${name}: baseURL must start with http:// or https://`);
  const path = url.pathname.replace(/\/+$/, '');
  const base = `${url.protocol}//${url.username ? `${url.username}:${url.password}@` : ''}${url.host}${path}`;
  const root = base.replace(VERSIONED, '');
  const health = healthPath ?? '/health';
  return {
    base,
    shown: `${url.origin}${path}`,
    host: url.host,
    search: url.search,
    api: VERSIONED.test(path) ? base : undefined,
    healthURL: health === false ? undefined : `${root}${health.startsWith('/') ? '' : '/'}${health}`,
  };
}

/** The server root of an API base (…/v1 without its version segment), where /health, /props and /metrics are. */
export function serverRoot(api: string): string {
  return api.replace(VERSIONED, '');
}

/**
 * Probes a base URL without a version segment for its API base: the first of `<base>/v1` and
 * `<base>` whose /models lists models or asks for an API key, within `timeoutMs`.
 */
export async function probeApi(
  at: Pick<EngineBase, 'base' | 'search'>,
  get: (url: string, signal: AbortSignal) => Promise<Response>,
  failures: Failures,
  timeoutMs: number,
): Promise<string> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const candidates = [`${at.base}/v1`, at.base];
  try {
    for (const api of candidates) {
      const res = await get(`${api}/models${at.search}`, timeout);
      const text = await readCapped(res, MODEL_LIST_BYTES);
      if (res.status === 401 || res.status === 403 || (res.ok && modelIds(text))) return api;
    }
  } catch (err) {
    throw failures.fromThrown(err, {
      what: `GET ${pathOf(candidates[0]!)}/models`,
      timedOut: timeout.aborted,
      timeoutMs,
    });
  }
  const shown = failures.ref.shownURL;
  throw failures.make(
    'bad_response',
    `${failures.who} lists no models at ${shown}/v1/models nor at ${shown}/models — check its ` +
      `baseURL (${shown}); for most engines it ends in /v1.`,
  );
}
