/**
 * Failures of OpenAI-compatible engines (vLLM, llama.cpp's llama-server, LM Studio, llama-swap,
 * SGLang, LiteLLM, Olla, hosted APIs): every one becomes an EngineError whose message names the
 * engine (its configured name and host) and the next step. Engines word their error bodies
 * differently; all of these are read:
 *   {"error":{"message","type","code"}}              OpenAI, llama-server, LiteLLM, Ollama's /v1, newer vLLM
 *   {"error":"Unauthorized"}                         vLLM's key check, LM Studio
 *   {"object":"error","message","type","code"}       older vLLM
 *   {"detail":"…"} / {"detail":[{"msg"}]}            FastAPI servers (SGLang, vLLM validation)
 * Anything else (a proxy's HTML page, plain text) is said to be not OpenAI's and quoted for at most
 * 100 characters. An API key is never echoed: 401/403 bodies are not quoted, and any text quoted
 * from an engine has the key (and masked keys such as `sk-ab***yz`) removed.
 */
import { errorCode } from '../../util/error-code.js';
import { redactSecrets } from '../../util/redact-secrets.js';

/** OpenAI-compatible engines fail with the one host error type (engines/host-error.ts). */
export {
  HostError as EngineError,
  type HostErrorKind as EngineErrorKind,
  type HostErrorInfo as EngineErrorInfo,
} from '../host-error.js';

/** An engine's error body, as far as it follows one of the shapes above. */
export interface ErrorBody {
  /** Whether the body is one of the error shapes engines send. */
  recognized: boolean;
  message?: string;
  type?: string;
  code?: string;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return { recognized: false };
  }
  return errorFields(json);
}

/** The error fields of a parsed body or stream event. */
export function errorFields(json: unknown): ErrorBody {
  if (!isObject(json)) return { recognized: false };
  const e = json['error'];
  const pick = (o: Record<string, unknown>): ErrorBody => {
    const out: ErrorBody = { recognized: true };
    const message = str(o['message']) ?? str(o['msg']);
    const type = str(o['type']);
    const code = str(o['code']);
    if (message) out.message = message;
    if (type) out.type = type;
    if (code) out.code = code;
    return out;
  };
  if (isObject(e)) return pick(e);
  if (typeof e === 'string') return { recognized: true, message: e };
  if (json['object'] === 'error' || typeof json['message'] === 'string') return pick(json);
  const detail = json['detail'];
  if (typeof detail === 'string') return { recognized: true, message: detail };
  if (Array.isArray(detail) && isObject(detail[0]))
    return { recognized: true, message: str(detail[0]['msg']) ?? 'invalid request' };
  return { recognized: false };
}

/** What a body that is not an OpenAI error is, quoting at most 100 characters of it. */
export function foreignBody(text: string, contentType: string | null): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return 'an empty body';
  const title = /<title[^>]*>([^<]{1,100})<\/title>/i.exec(flat)?.[1]?.trim();
  const html = /html/i.test(contentType ?? '') || /^<(!doctype|html|head|body)/i.test(flat);
  if (html && title) return `an HTML page (${JSON.stringify(title)})`;
  const start = flat.length > 100 ? `${JSON.stringify(flat.slice(0, 100))}…` : JSON.stringify(flat);
  return `${html ? 'an HTML page' : "a body that is not OpenAI's"}: ${start}`;
}

/** Milliseconds to wait before retrying, from the headers engines and proxies send, or the message. */
export function retryAfterMs(headers: { get(name: string): string | null }, message = ''): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const ra = headers.get('retry-after')?.trim();
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra)) return Math.round(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  const m = /try again in ([\d.]+)\s*(ms|s)\b/i.exec(message);
  if (m) return Math.round(Number(m[1]) * (m[2]!.toLowerCase() === 'ms' ? 1 : 1000));
  return undefined;
}

/** A model a 400/404 says does not exist (engines word it many ways). */
export function saysModelMissing(status: number, body: ErrorBody): boolean {
  if (body.code === 'model_not_found') return true;
  const m = body.message ?? '';
  return (
    (status === 404 || status === 400) &&
    /model/i.test(m) &&
    /not (exist|found)|does ?n[o']t exist|unknown|no such|could not find|not available|invalid model/i.test(m)
  );
}

const network = errorCode;

/** Why a connection failed, in words, from a network error (node:http or undici). */
export function connectionFailure(err: unknown): string | undefined {
  const code = network(err);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name does not resolve: ${code}`;
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return code;
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) return `TLS: ${code}`;
  if (code) return code;
  if (err instanceof TypeError || /socket hang up/i.test(String((err as Error)?.message))) return 'no answer';
  return undefined;
}

/** Shortens and cleans text an engine sent, before it goes into a message. */
export function cleanEngineText(text: string, secret: string | undefined, max = 300): string {
  let out = redactSecrets(text.replace(/\s+/g, ' ').trim(), [secret]);
  out = out.replace(/[\w.-]*\*{3,}[\w.-]*/g, '[redacted]'); // masked keys such as sk-ab***wxyz
  return out.length > max ? `${out.slice(0, max)}…` : out;
}
