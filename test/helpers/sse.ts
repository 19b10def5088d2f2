/**
 * A 2025-era client spoken with raw fetch requests, as a client's transport would: POSTs whose
 * answers come as SSE streams, GETs with Last-Event-ID that resume them, and the parsing of SSE
 * bodies. Used by the resumable-stream end-to-end tests.
 */
import { expect, vi } from 'vitest';
import type { FakeOllama } from '../fake-ollama/server.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

export interface SseEvent {
  id?: string;
  retry?: string;
  event?: string;
  data: string;
}

/** The events of an SSE body (comment lines, such as keep-alives, left out). */
export function sseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').some((l) => l !== '' && !l.startsWith(':')))
    .map((block) => {
      const e: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'id' || field === 'retry' || field === 'event') e[field] = value;
        else if (field === 'data') e.data += value;
      }
      return e;
    });
}

export type SseMessage = {
  id?: number;
  method?: string;
  error?: { message: string };
  result?: { structuredContent?: { text?: string }; messages?: unknown[]; tools?: unknown[] };
};

export const sseMessage = (e: SseEvent) => JSON.parse(e.data) as SseMessage;

/** Reads a response stream until its first event, then drops the connection, as a network failure would. */
export async function firstEventThenDrop(res: Response, ac: AbortController): Promise<SseEvent> {
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  ac.abort();
  return sseEvents(text)[0]!;
}

const V2025 = { 'mcp-protocol-version': '2025-11-25' };

/** A raw 2025-era client of `url`: its session id once initialized, and the headers it sends (a token, say). */
export class RawClient {
  session: string | undefined;
  private nextId = 100;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private common(): Record<string, string> {
    return { ...V2025, ...this.headers, ...(this.session !== undefined && { 'mcp-session-id': this.session }) };
  }

  /** initialize: the session id the server gives is sent on every later request. */
  async initialize(): Promise<this> {
    const res = await this.post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    this.session = res.headers.get('mcp-session-id') ?? undefined;
    await res.text();
    return this;
  }

  post(body: unknown, signal?: AbortSignal): Promise<Response> {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...this.common(),
    };
    return fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body), ...(signal && { signal }) });
  }

  /** A request with a fresh id, its whole answer read. */
  async request(method: string, params?: unknown): Promise<SseMessage> {
    const res = await this.post({ jsonrpc: '2.0', id: this.nextId++, method, ...(params !== undefined && { params }) });
    return sseMessage(sseEvents(await res.text()).at(-1)!);
  }

  /** A tools/call whose stream is dropped after its priming event: that event (its id, to resume from). */
  async callThenDrop(id: number, name: string, args: unknown): Promise<SseEvent> {
    const ac = new AbortController();
    const res = await this.post(
      { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } },
      ac.signal,
    );
    return firstEventThenDrop(res, ac);
  }

  resume(lastEventId: string, signal?: AbortSignal): Promise<Response> {
    return fetch(this.url, {
      headers: { accept: 'text/event-stream', ...this.common(), 'last-event-id': lastEventId },
      ...(signal && { signal }),
    });
  }
}

export const UNKNOWN_ID =
  'Nothing to resume after that Last-Event-ID: it is unknown, or older than 5 minutes. Send the request again.';

export const words = (n: number, w = 'w') => oneTokenWords(n, w);
export const inFlight = (fake: FakeOllama) => fake.loaded().reduce((n, m) => n + m.inFlight, 0);
export const generate = (prompt: string) => ({ prompt, task: 'general' });
export const WAIT = { timeout: 15_000, interval: 20 };

/** Waits until the engine has finished `n` generations in all, and has none running. */
export async function generated(fake: FakeOllama, n: number): Promise<void> {
  await vi.waitFor(() => expect([fake.generations().length, inFlight(fake)]).toEqual([n, 0]), WAIT);
}

/** The last message of a resumed stream, which must be 200. */
export async function resumedAnswer(res: Response) {
  expect(res.status).toBe(200);
  return sseMessage(sseEvents(await res.text()).at(-1)!);
}

export async function refusedAsUnknown(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: UNKNOWN_ID } });
}

/** Runs `n` calls of `one`, `width` at a time. */
export async function pool(n: number, width: number, one: () => Promise<unknown>): Promise<void> {
  let left = n;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (left-- > 0) await one();
    }),
  );
}
