/**
 * The fetch the official `ollama` client runs on, bounded at the boundary: every answer of a host
 * is read within a size limit and checked (ollama-lines.ts) before the client sees it.
 *   - a whole answer (json(), text()) is read up to its endpoint's limit; past it, or not JSON,
 *     or of the wrong shape, it is an HostError naming the host, the endpoint and the field;
 *   - a streamed answer (body) is framed line by line (ndjson.ts): only clean lines reach the
 *     client, so its own line parser never buffers without bound nor prints a line per bad line;
 *   - an error answer is read up to 64 KiB and handed over as `{"error": "…"}`, so the client
 *     neither reads an endless body nor prints "Failed to parse error response";
 *   - the body of a DELETE or of /api/copy, which the client never reads, is read (up to 64 KiB) and closed.
 */
import { redactSecrets } from '../../util/redact-secrets.js';
import { bodyReader, type ChunkReader } from '../http-fetch.js';
import { frameLines, type FrameOptions } from './ndjson.js';
import { checkedValues, type ValueReader } from './ndjson-values.js';
import { sizeText, snippet } from './host-text.js';
import { HostError } from '../host-error.js';
import { OTHER, RULES, type PathRules } from './ollama-lines.js';

const ERROR_BODY_BYTES = 64 * 1024;

/** What the client uses of an answer (see http-fetch.ts). */
interface Answer {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
  /** The body without a web stream around it: http-fetch.ts has it, another fetch (a test's) need not. */
  reader?(): ChunkReader;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/** A guarded answer as this process reads it: a stream's lines also as their checked values (ollama-generate.ts). */
export interface GuardedAnswer extends Answer {
  /** The stream's lines, each the value its check gave (null for an error answer). */
  values(): ValueReader | null;
}

/** The start of a body, at most `limit` bytes, and whether there was more (then the body is closed). */
async function readBounded(reader: ChunkReader | null, limit: number): Promise<{ bytes: Buffer; more: boolean }> {
  if (!reader) return { bytes: Buffer.alloc(0), more: false };
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(parts), more: false };
    parts.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(parts).subarray(0, limit), more: true };
    }
  }
}

const NEXT = 'is Ollama (and not another server) listening there?';

/**
 * The error text of an error answer: Ollama's `{"error"}`, or the start of whatever came; without
 * OLLAMA_API_KEY, which the ollama client sends to ollama.com (credentials of any shape go where
 * it becomes a HostError).
 */
function errorText(text: string, status: number, statusText: string): string {
  let said: unknown;
  try {
    said = (JSON.parse(text) as { error?: unknown } | null)?.error;
  } catch {
    said = undefined;
  }
  const flat = redactSecrets((typeof said === 'string' ? said : text).replace(/\s+/g, ' ').trim(), [
    process.env.OLLAMA_API_KEY,
  ]);
  if (flat === '') return `HTTP ${status}${statusText ? ` ${statusText.slice(0, 100)}` : ''}`;
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

/** An answer that is not ok, its error read (bounded) and given as `{error}`, the form the client reads. */
async function refused(res: Answer): Promise<GuardedAnswer> {
  const { bytes } = await readBounded(bodyReader(res), ERROR_BODY_BYTES);
  const said = errorText(bytes.toString('utf8'), res.status, res.statusText);
  return {
    ok: false,
    status: res.status,
    statusText: res.statusText,
    headers: {
      get: (name) => (name.toLowerCase() === 'content-type' ? 'application/json' : res.headers.get(name)),
    },
    body: null,
    values: () => null,
    json: () => Promise.resolve({ error: said }),
    text: () => Promise.resolve(said),
  };
}

/** An answer read whole (a DELETE's, /api/copy's: a short one, bounded as an error's). */
async function readWhole(res: Answer): Promise<GuardedAnswer> {
  const { bytes } = await readBounded(bodyReader(res), ERROR_BODY_BYTES);
  const text = bytes.toString('utf8');
  return {
    ok: true,
    status: res.status,
    statusText: res.statusText,
    headers: { get: (name: string) => res.headers.get(name) },
    body: null,
    values: () => null,
    json: () => Promise.resolve(JSON.parse(text || '{}') as unknown),
    text: () => Promise.resolve(text),
  };
}

/**
 * An answer read as the client asks for it — its text, its JSON checked as Ollama's answer there,
 * its lines framed (`body`) or their checked values — each bounded by the endpoint's `rules`, read
 * once.
 */
function bounded(
  res: Answer,
  rules: PathRules,
  framing: FrameOptions,
  fail: (why: string) => HostError,
): GuardedAnswer {
  let used = false;
  const once = () => {
    if (used) throw new TypeError('the body of this answer was already read');
    used = true;
  };
  const readText = async (): Promise<string> => {
    once();
    const { bytes, more } = await readBounded(bodyReader(res), rules.maxAnswerBytes);
    if (more)
      throw fail(
        `more than ${sizeText(rules.maxAnswerBytes)}, which no answer of Ollama's there needs, so ` +
          `it was not read further`,
      );
    return bytes.toString('utf8');
  };
  let framed: ReadableStream<Uint8Array> | null | undefined;
  return {
    ok: true,
    status: res.status,
    statusText: res.statusText,
    headers: { get: (name: string) => res.headers.get(name) },
    // the client reads `body` twice (once to see it is there): the same framed stream both times
    get body() {
      if (framed !== undefined) return framed;
      once();
      const source = res.body;
      framed = source ? frameLines(source, framing) : null;
      return framed;
    },
    values: () => {
      once();
      const source = bodyReader(res);
      return source ? checkedValues(source, framing) : null;
    },
    text: readText,
    json: async () => {
      const text = await readText();
      let raw: unknown;
      try {
        raw = JSON.parse(text) as unknown;
      } catch {
        throw fail(`something that is not JSON: ${snippet(text)}`);
      }
      if (!rules.answer) return raw;
      const checked = rules.answer(raw);
      if ('problem' in checked) throw fail(`something that is not Ollama's answer: ${checked.problem}`);
      return checked.value;
    },
  };
}

/** Wraps `base` so every answer is bounded and checked; `host` names the host in errors. */
export function guardedFetch(base: typeof fetch, host: string): typeof fetch {
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<GuardedAnswer> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? String(input) : input.url);
    const endpoint = url.pathname.replace(/\/+$/, '');
    const rules: PathRules = RULES[endpoint.slice(endpoint.lastIndexOf('/') + 1)] ?? OTHER;
    const fail = (why: string) =>
      new HostError('bad_response', `Ollama at ${host} answered ${endpoint} with ${why} — ${NEXT}`, host);
    const res = (await base(input as string, init)) as unknown as Answer;
    if (!res.ok) return refused(res);
    if ((init?.method ?? 'GET').toUpperCase() === 'DELETE' || endpoint.endsWith('/api/copy')) return readWhole(res);
    const framing: FrameOptions = {
      maxLineBytes: rules.maxLineBytes,
      ...(rules.skip && { skip: rules.skip }),
      check: rules.line ?? ((raw) => ({ value: raw, last: false })),
      fail: (why) => fail(why),
      where: `Ollama at ${host}: ${endpoint}`,
    };
    return bounded(res, rules, framing, fail);
  };
  return guarded as unknown as typeof fetch; // the client calls it as fetch; Answer is what it relies on
}
