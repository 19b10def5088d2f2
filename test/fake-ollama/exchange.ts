/**
 * Per-request HTTP plumbing of the fake Ollama: the request/response pair (`Exchange`), the
 * errors handlers throw, and request decoding with Go-like JSON errors (gin's ShouldBindJSON).
 */
import type http from 'node:http';
import { goDecode, goJsonKind, goReflectType, parseGoDuration } from './go.js';

export type Json = Record<string, unknown>;

/** Answered as `status` with `{"error": message}` (or a last `{"error"}` line once streaming). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The client went away (or the server is stopping): nothing more is written. */
export class Aborted extends Error {}

/** A failure queued by FakeOllama.failNext for the next request to a path. */
export interface Failure {
  status: number;
  error: string;
  afterChunks?: number;
}

/** Status a queued failure is answered with when not streaming (500 when it is not an error status). */
export function failStatus(f: Failure): number {
  return f.status >= 400 ? f.status : 500;
}

/**
 * Waits `ms` — at least that by the clock the fake reports its timings with (a timer may fire up to a
 * millisecond early by it) — or less when `signal` aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const until = performance.now() + ms;
    let t = setTimeout(tick, Math.max(0, ms));
    function tick(): void {
      const left = until - performance.now();
      if (left > 0) t = setTimeout(tick, left);
      else done();
    }
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function nsSince(start: bigint): number {
  return Math.max(1, Number(nowNs() - start));
}

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Per-request state: abort signal and lazy NDJSON streaming. */
export class Exchange {
  readonly controller = new AbortController();
  streaming = false;
  readonly start = nowNs();

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
  ) {
    res.on('close', () => {
      if (!res.writableFinished) this.controller.abort();
    });
    res.on('error', () => this.controller.abort());
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get closed(): boolean {
    return this.signal.aborted || this.res.destroyed || this.res.writableEnded;
  }

  json(status: number, body: unknown): void {
    if (this.closed) return;
    const text = JSON.stringify(body);
    this.res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    this.res.end(text);
  }

  error(status: number, message: string): void {
    this.json(status, { error: message });
  }

  text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
    if (this.closed) return;
    this.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    this.res.end(this.req.method === 'HEAD' ? undefined : body);
  }

  /** Write one NDJSON line (sends the 200 + application/x-ndjson headers first). */
  line(obj: unknown): boolean {
    if (this.closed) return false;
    if (!this.streaming) {
      this.streaming = true;
      this.res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    }
    this.res.write(`${JSON.stringify(obj)}\n`);
    return true;
  }

  end(): void {
    if (this.closed) return;
    this.res.end();
  }

  /** Report an error: a last `{"error"}` line once streaming began, else `status` with `{"error"}`. */
  fail(status: number, message: string): void {
    if (this.streaming) {
      this.line({ error: message });
      this.end();
    } else this.error(status, message);
  }
}

// ------------------------------------------------------------------ request decoding

/** Field types checked when decoding, with the Go type named in the error text. */
type FieldType = 'string' | 'bool' | 'array' | 'object' | 'number';
const GO_TYPE: Record<FieldType, string> = {
  string: 'string',
  bool: 'bool',
  array: '[]interface {}',
  object: 'map[string]interface {}',
  number: 'float64',
};

const SCHEMAS = {
  generate: {
    type: 'GenerateRequest',
    fields: {
      model: 'string',
      prompt: 'string',
      suffix: 'string',
      system: 'string',
      template: 'string',
      stream: 'bool',
      raw: 'bool',
      images: 'array',
      context: 'array',
      options: 'object',
      truncate: 'bool',
      shift: 'bool',
    },
  },
  chat: {
    type: 'ChatRequest',
    fields: {
      model: 'string',
      messages: 'array',
      tools: 'array',
      stream: 'bool',
      options: 'object',
      truncate: 'bool',
      shift: 'bool',
    },
  },
  embed: {
    type: 'EmbedRequest',
    fields: { model: 'string', truncate: 'bool', dimensions: 'number', options: 'object' },
  },
  embeddings: { type: 'EmbeddingRequest', fields: { model: 'string', prompt: 'string', options: 'object' } },
  show: { type: 'ShowRequest', fields: { model: 'string', name: 'string', system: 'string', verbose: 'bool' } },
  pull: { type: 'PullRequest', fields: { model: 'string', name: 'string', insecure: 'bool', stream: 'bool' } },
  delete: { type: 'DeleteRequest', fields: { model: 'string', name: 'string' } },
  create: {
    type: 'CreateRequest',
    fields: {
      model: 'string',
      name: 'string',
      from: 'string',
      quantize: 'string',
      template: 'string',
      system: 'string',
      stream: 'bool',
      parameters: 'object',
      messages: 'array',
      files: 'object',
      adapters: 'object',
    },
  },
  copy: { type: 'CopyRequest', fields: { source: 'string', destination: 'string' } },
} satisfies Record<string, { type: string; fields: Record<string, FieldType> }>;

export type RequestKind = keyof typeof SCHEMAS;

const KEEP_ALIVE_KINDS = new Set<RequestKind>(['generate', 'chat', 'embed', 'embeddings']);

function hasType(v: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isRecord(v);
  }
}

/** Decode a body like gin's ShouldBindJSON into an Ollama request struct (errors are 400). */
export function decode(raw: string, kind: RequestKind): Json {
  const schema: { type: string; fields: Record<string, FieldType> } = SCHEMAS[kind];
  const r = goDecode(raw);
  if (!r.ok) throw new HttpError(400, r.eof ? 'missing request body' : r.error);
  if (r.value === null) return {};
  if (!isRecord(r.value)) {
    throw new HttpError(400, `json: cannot unmarshal ${goJsonKind(r.value)} into Go value of type api.${schema.type}`);
  }
  for (const [field, type] of Object.entries(schema.fields)) {
    const v = r.value[field];
    if (v === undefined || v === null) continue;
    if (!hasType(v, type)) {
      throw new HttpError(
        400,
        `json: cannot unmarshal ${goJsonKind(v)} into Go struct field ${schema.type}.${field} of type ${GO_TYPE[type]}`,
      );
    }
  }
  const ka = r.value['keep_alive'];
  // bind-time error, like Ollama's Duration.UnmarshalJSON
  if (KEEP_ALIVE_KINDS.has(kind) && ka !== undefined && ka !== null) parseKeepAlive(ka);
  return r.value;
}

/**
 * Ollama's api.Duration: number = whole seconds (negative = forever); string = Go duration. Returns ms,
 * Infinity = forever.
 */
export function parseKeepAlive(v: unknown): number {
  if (typeof v === 'number') {
    if (v < 0) return Infinity;
    return Math.trunc(v) * 1000;
  }
  if (typeof v === 'string') {
    let ms: number;
    try {
      ms = parseGoDuration(v);
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
    return ms < 0 ? Infinity : ms;
  }
  throw new HttpError(400, `Unsupported type: '${goReflectType(v)}'`);
}
