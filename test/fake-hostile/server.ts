/**
 * A hostile host for tests: one HTTP server that answers as Ollama (/api/…) and as an
 * OpenAI-compatible engine (/v1/…, /health) at once, and misbehaves as told (`mode`):
 *
 *   ok             behaves: one model (hostile:latest), short answers
 *   flood          every stream is an endless flood of invalid lines (Ollama: not JSON; OpenAI:
 *                  JSON events of the wrong shape), as fast as the client reads
 *   huge-line      every stream, and every whole answer, is one 100 MB line
 *   endless        every stream is endless valid tokens, ignoring num_predict / max_tokens
 *   wrong-shapes   {"models":"lots"}, {"version":5}, {"data":"lots"}, lines {"response":42,"done":"no"}…
 *   bad-numbers    "NaN", negative and 1e400 sizes, durations and token counts everywhere
 *   endless-body   whole answers (and error answers) never end; a stream's done line is followed by endless junk
 *
 * Bodies are made lazily (bodies.ts): a piece is made only when the socket drains, so a client
 * that stops reading stops the fake too. `open()` counts answers still being written — 0 shortly
 * after a client gave up means it closed the connection. Only node:http; nothing on stdout.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MODEL, type Producer, chain, goodShow, goodTag, hugeLine, once, repeat } from './bodies.js';
import { HUGE, INFINITE, type HostileMode, MODES, json } from './modes.js';
import { ollamaStream, openaiStream, pullStream } from './streams.js';

export { MODES, type HostileMode } from './modes.js';

interface Answer {
  status?: number;
  type: string;
  body: Producer;
}

export class FakeHostile {
  mode: HostileMode = 'ok';
  /** Every request, as "METHOD /path". */
  readonly requests: string[] = [];
  bytesSent = 0;
  private openCount = 0;
  private loaded = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  /** host:port, as OLLAMA_HOST takes it. */
  get host(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  static async start(mode: HostileMode = 'ok'): Promise<FakeHostile> {
    let fake!: FakeHostile;
    const server = http.createServer((req, res) => fake.handle(req, res));
    server.on('connection', (s: Socket) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    fake = new FakeHostile(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    fake.mode = mode;
    return fake;
  }

  /** Answers still being written. */
  open(): number {
    return this.openCount;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if ((size += c.length) <= 1 << 20) chunks.push(c);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.requests.push(`${req.method} ${path}`);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      const a = this.answer(req.method ?? 'GET', path, body);
      res.writeHead(a.status ?? 200, { 'content-type': a.type });
      this.pump(res, a.body);
    });
  }

  private pump(res: http.ServerResponse, next: Producer): void {
    this.openCount++;
    let done = false;
    const finish = () => {
      if (!done) this.openCount--;
      done = true;
    };
    res.on('close', finish);
    const write = () => {
      while (!res.destroyed) {
        const piece = next();
        if (piece === null) {
          res.end();
          return;
        }
        this.bytesSent += Buffer.byteLength(piece);
        if (!res.write(piece)) {
          res.once('drain', write);
          return;
        }
      }
    };
    write();
  }

  private answer(method: string, path: string, body: Record<string, unknown>): Answer {
    const m = this.mode;
    const JSONT = 'application/json';
    const whole = (v: unknown): Answer => ({ type: JSONT, body: once(json(v)) });
    const wholeHostile = (normal: unknown, shaped: unknown): Answer => {
      if (m === 'huge-line') return { type: JSONT, body: hugeLine(HUGE, '{"x":"') };
      if (m === 'endless-body')
        return {
          type: JSONT,
          body: chain(
            once('{"models":['),
            repeat(() => '{"name":"n","size":1},'),
          ),
        };
      if (m === 'wrong-shapes') return whole(shaped);
      return whole(normal);
    };
    const tag = (over: Record<string, unknown>) => ({ ...goodTag, ...over });
    const running = (over: Record<string, unknown> = {}) => ({
      ...goodTag,
      expires_at: '2026-01-01T00:05:00Z',
      size_vram: 0,
      context_length: 4096,
      ...over,
    });

    switch (`${method} ${path}`) {
      case 'GET /':
        return { type: 'text/plain', body: once('Ollama is running') };
      case 'POST /_mode': {
        // the control of a fake in another process (main.ts): {"mode": "flood"}
        const next = body['mode'] as HostileMode;
        if (next === 'ok' || MODES.includes(next)) this.mode = next;
        return whole({ mode: this.mode });
      }
      case 'GET /api/version':
        return wholeHostile({ version: '0.12.6' }, { version: 5 });
      case 'GET /api/tags':
        if (m === 'bad-numbers')
          return whole({
            models: [
              goodTag,
              tag({ name: 'nan:latest', size: 'NaN' }),
              tag({ name: 'neg:latest', size: -5 }),
              tag({ name: 'inf:latest', size: INFINITE }),
            ],
          });
        return wholeHostile({ models: [goodTag] }, { models: 'lots' });
      case 'GET /api/ps':
        if (m === 'bad-numbers')
          return whole({
            models: this.loaded
              ? [running({ size_vram: 'NaN', context_length: -1 }), running({ name: 'neg:latest', size: -5 })]
              : [running({ name: 'neg:latest', size: -5 })],
          });
        return wholeHostile({ models: this.loaded ? [running()] : [] }, { models: 'lots' });
      case 'POST /api/show': {
        if (m === 'bad-numbers') {
          const info = {
            ...goodShow.model_info,
            'llama.context_length': -4096,
            'llama.block_count': INFINITE,
            'llama.attention.head_count': 'NaN',
          };
          return whole({ ...goodShow, model_info: info });
        }
        if (m === 'endless-body') return { status: 500, type: 'text/plain', body: repeat(() => 'error ') };
        return wholeHostile(goodShow, { details: 'lots', model_info: [1, 2] });
      }
      case 'POST /api/generate':
      case 'POST /api/chat': {
        const chat = path.endsWith('chat');
        if (body['stream'] !== true || (!chat && !body['prompt'])) {
          // a load or an unload: always answered properly, so a generation gets to stream
          this.loaded = body['keep_alive'] !== 0;
          return whole({
            model: MODEL,
            created_at: new Date().toISOString(),
            response: '',
            done: true,
            done_reason: this.loaded ? 'load' : 'unload',
          });
        }
        return { type: 'application/x-ndjson', body: ollamaStream(this.mode, chat) };
      }
      case 'POST /api/pull':
        return { type: 'application/x-ndjson', body: pullStream(this.mode) };
      case 'POST /api/embed':
        return whole({ model: MODEL, embeddings: [] });
      case 'DELETE /api/delete':
        return m === 'endless-body' ? { type: JSONT, body: repeat(() => 'x') } : { type: JSONT, body: once('') };
      case 'GET /health':
        return { status: 404, type: 'text/plain', body: once('404 page not found') };
      case 'GET /v1/models':
        return wholeHostile({ object: 'list', data: [{ id: MODEL, object: 'model' }] }, { data: 'lots' });
      case 'POST /v1/chat/completions':
        if (m === 'endless-body') return { status: 503, type: 'text/plain', body: repeat(() => 'busy ') };
        return { type: 'text/event-stream', body: openaiStream(this.mode) };
      default:
        return { status: 404, type: JSONT, body: once(json({ error: `no ${path} here` })) };
    }
  }
}
