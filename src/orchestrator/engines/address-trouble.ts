/**
 * A failed connection whose cause is the address in settings, not an engine that is down (issue
 * 54): a host name that does not resolve (ENOTFOUND, EAI_AGAIN), `https://` to a server speaking
 * plain HTTP (EPROTO, "wrong version number", ERR_SSL_…), `http://` to one speaking TLS (its
 * answer a TLS record, a probe's handshake — http-fetch.ts — or a "plain HTTP request to an HTTPS
 * port" answer) or not HTTP at all (a parse error: HPE_…). Starting the engine would not help;
 * the address must be corrected, and the setting that holds it is named. Every adapter words these
 * the same way, from here; a refused connection ("start it…") and the rest stay each adapter's own.
 *
 * The cause (`why`) is short and has no parentheses: adapters write it as
 * "… is not reachable at HOST (why) — next", and the fleet's reads find it there again
 * (addressNext) to say the next step.
 */
import { errorCode } from '../util/error-code.js';
import { redactAddress } from '../util/redact-secrets.js';

/** Set on a failed plain-HTTP request (through its causes) when a TLS handshake with the same address succeeded. */
export const SPEAKS_TLS = 'ollmSpeaksTls';

/** The cause, in a few words, when it is the address; undefined otherwise. */
export function addressWhy(err: unknown, url: string): string | undefined {
  const code = errorCode(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name "${hostName(url)}" does not resolve: ${code}`;
  const scheme = schemeOf(url);
  const text = messages(err);
  if (
    scheme === 'https:' &&
    (code === 'EPROTO' || code?.startsWith('ERR_SSL_')) &&
    PLAIN_ANSWER.test(`${code} ${text}`)
  ) {
    return (
      `it does not speak HTTPS there: ${code}, ` +
      `${PLAIN_ANSWER.exec(`${code} ${text}`)![0].toLowerCase().replace(/_/g, ' ')}`
    );
  }
  if (scheme === 'http:' && (speaksTls(err) || (code?.startsWith('HPE_') && tlsRecord(err))))
    return 'it speaks HTTPS there, not plain HTTP';
  if (scheme === 'http:' && code?.startsWith('HPE_')) return `its answer is not HTTP: ${code}`;
  return undefined;
}

/** The same, from an HTTP answer a TLS server gives a plain request (nginx, Caddy, Go). */
export function plainToTlsAnswer(status: number, text: string, url: string): string | undefined {
  return status === 400 && schemeOf(url) === 'http:' && PLAIN_TO_TLS.test(text)
    ? 'it speaks HTTPS there, not plain HTTP'
    : undefined;
}

/**
 * The same, from a 404 that names no model: a router's own "404 page not found" for an address with
 * a path — `/v1` copied from OpenAI-compatible docs, `/api` — where no API of the engine answers
 * (issue 75, finding 1). Undefined for a model's 404 and for an address without a path.
 */
export function wrongPathAnswer(status: number, text: string, url: string): string | undefined {
  // 405: Ollama's router (gin, HandleMethodNotAllowed) answers a path it serves under another method so
  if ((status !== 404 && status !== 405) || /model/i.test(text)) return undefined;
  const path = pathOf(url);
  return path ? `its address has the path ${path}, where no API answers` : undefined;
}

/**
 * The next step for a cause addressWhy (or plainToTlsAnswer) gave — found in an error's text —
 * naming `setting`, the setting that holds the address; undefined for any other cause.
 */
export function addressNext(error: string, url: string, setting: string): string | undefined {
  if (/the host name "[^"]*" does not resolve/.test(error))
    return `the name does not resolve: check the address in settings (${setting})`;
  if (/it does not speak HTTPS there/.test(error)) return `use ${withScheme(url, 'http:')} in settings (${setting})`;
  if (/it speaks HTTPS there, not plain HTTP/.test(error))
    return `use ${withScheme(url, 'https:')} in settings (${setting})`;
  if (/its address has the path \S+, where no API answers/.test(error))
    return `drop the path: use ${withoutPath(url)} in settings (${setting})`;
  if (/its answer is not HTTP: HPE_/.test(error))
    return `check the port in settings (${setting}) — or, if it speaks HTTPS there, use ${withScheme(url, 'https:')}`;
  return notOllamaNext(error, url, setting);
}

/**
 * The next step when something other than Ollama answers at an Ollama address (engine-at.ts's words): the
 * `hosts:` entry that fits what answers, and the setting to point at Ollama — or, for a `hosts` entry, its kind.
 */
function notOllamaNext(error: string, url: string, setting: string): string | undefined {
  const other = /(a llama\.cpp|an OpenAI-compatible) server answers there, not Ollama/.exec(error)?.[1];
  if (other) {
    const kind = other === 'a llama.cpp' ? 'llamacpp' : 'openai';
    const at = `${shownAddress(url)}${kind === 'openai' ? '/v1' : ''}`;
    const entry = /^hosts\.([^.]+)\.url$/.exec(setting)?.[1];
    if (entry) return `make hosts.${entry} kind: ${kind} (url: ${at}) in settings`;
    return (
      `add it as a host — hosts: [{name: ${kind === 'llamacpp' ? 'llama' : 'engine'}, kind: ${kind}, url: ${at}}] — ` +
      `and set ollama.host (${setting}) to where Ollama runs; with no Ollama, ollama.host stays down and the ` +
      'other hosts serve'
    );
  }
  if (/Ollama answers there but has no /.test(error)) return 'update Ollama (https://ollama.com/download)';
  if (/it does not answer as Ollama: /.test(error))
    return `check the port in settings (${setting}): a server other than Ollama listens there`;
  return undefined;
}

/** The cause and the next step, for an address cause; undefined for any other. */
export function addressFailure(err: unknown, url: string, setting: string): { why: string; next: string } | undefined {
  const why = addressWhy(err, url);
  return why === undefined ? undefined : { why, next: addressNext(why, url, setting)! };
}

/** What an https:// request to a plain HTTP server fails with (OpenSSL's words, Node's codes). */
const PLAIN_ANSWER = /wrong[ _]version[ _]number|packet[ _]length[ _]too[ _]long|http[ _]request|unknown[ _]protocol/i;
/** What TLS servers answer a plain HTTP request with. */
const PLAIN_TO_TLS = /plain HTTP request was sent to HTTPS port|HTTP request to an HTTPS server/i;

/**
 * The address as messages show it: scheme, host and path, never credentials ("host:port" alone is shown as it
 * is, a user name and password before it as `[redacted]`).
 */
export function shownAddress(url: string): string {
  if (!SCHEME.test(url)) return redactAddress(url).replace(/\/+$/, '');
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return redactAddress(url);
  }
}

/** The address with the other scheme ("host:port" alone gets one). */
function withScheme(url: string, scheme: 'http:' | 'https:'): string {
  const shown = shownAddress(url);
  return SCHEME.test(shown) ? shown.replace(/^[a-z][a-z0-9+.-]*:/i, scheme) : `${scheme}//${shown}`;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The address's path without its trailing slashes ("" for none). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

/** The address without its path (scheme, host and port). */
function withoutPath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return redactAddress(url);
  }
}

function schemeOf(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}

function hostName(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return redactAddress(url);
  }
}

/** The messages of an error and its causes, joined. */
function messages(err: unknown): string {
  const out: string[] = [];
  for (let e = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++)
    out.push(String((e as { message?: unknown }).message ?? ''));
  return out.join(' ');
}

function speaksTls(err: unknown): boolean {
  for (let e = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++)
    if ((e as Record<string, unknown>)[SPEAKS_TLS] === true) return true;
  return false;
}

/**
 * Whether a parse error's bytes (node:http's rawPacket, undici's data) start as a TLS record: an alert or a
 * handshake, version 3.x.
 */
function tlsRecord(err: unknown): boolean {
  for (let e = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const raw = (e as { rawPacket?: unknown; data?: unknown }).rawPacket ?? (e as { data?: unknown }).data;
    const bytes = Buffer.isBuffer(raw) ? raw : typeof raw === 'string' ? Buffer.from(raw, 'latin1') : undefined;
    if (bytes && bytes.length >= 2 && (bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03) return true;
  }
  return false;
}
