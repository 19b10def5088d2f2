/** Helpers shared by the fake Ollama's own tests (fake-ollama*.test.ts, fake-ollama/*.test.ts). */
import { afterEach, expect } from 'vitest';
import { Ollama } from 'ollama';
import { FakeOllama, type FakeOllamaOptions } from './server.js';
import { DEFAULT_MODELS, type FakeModel } from './models.js';

export const GiB = 1024 ** 3;

/** The client's ResponseError class is not exported; it has this shape and name. */
export interface ClientResponseError extends Error {
  error: string;
  status_code: number;
}
export function isResponseError(e: unknown): e is ClientResponseError {
  return e instanceof Error && e.name === 'ResponseError' && 'status_code' in e && 'error' in e;
}

const running: FakeOllama[] = [];

/** Start a fake (stopped after the test) and a client for it. */
export async function start(opts?: FakeOllamaOptions): Promise<{ fake: FakeOllama; client: Ollama }> {
  const fake = await FakeOllama.start(opts);
  running.push(fake);
  return { fake, client: new Ollama({ host: fake.url }) };
}

/** Register the cleanup; call once at the top of a test file. */
export function stopFakesAfterEach(): void {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((f) => f.stop()));
  });
}

export function model(name: string, from: FakeModel[] = DEFAULT_MODELS): FakeModel {
  const m = from.find((x) => x.name === name);
  if (!m) throw new Error(`no fixture ${name}`);
  return m;
}

export async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export async function ndjson(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** POST /api/generate (stream:false unless the body says otherwise): the status and parsed body. */
export async function gen(
  fake: FakeOllama,
  body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await post(`${fake.url}/api/generate`, { stream: false, ...body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface PsEntry {
  name: string;
  size: number;
  size_vram: number;
  context_length: number;
  expires_at: string;
}

export async function ps(fake: FakeOllama): Promise<PsEntry[]> {
  return ((await (await fetch(`${fake.url}/api/ps`)).json()) as { models: PsEntry[] }).models;
}

export const loadedNames = (fake: FakeOllama): string[] => fake.loaded().map((m) => m.name);

export async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function expectResponseError(p: Promise<unknown>, status: number, message: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isResponseError(err)).toBe(true);
  expect((err as ClientResponseError).status_code).toBe(status);
  expect((err as ClientResponseError).error).toBe(message);
}

export function expectNsInt(v: unknown): void {
  expect(typeof v).toBe('number');
  expect(Number.isInteger(v)).toBe(true);
  expect(v as number).toBeGreaterThan(0);
}
