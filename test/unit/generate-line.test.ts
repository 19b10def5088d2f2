/**
 * A generate line is checked without zod when it has the usual shape (ollama-lines.ts
 * plainGenerateLine): the same value zod's schema gives wherever the fast path answers, and zod
 * (with its words for the problem) for every line it does not.
 */
import { describe, expect, it } from 'vitest';
import { RULES, plainGenerateLine, schemaGenerateLine } from '../../src/orchestrator/engines/ollama/ollama-lines.js';
import { TOKEN_TEXT } from '../../src/orchestrator/engines/numbers.js';
import { checkedValues } from '../../src/orchestrator/engines/ollama/ndjson-values.js';
import type { ChunkReader } from '../../src/orchestrator/engines/http-fetch.js';

/** A small seeded generator (mulberry32): the same lines on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = [
  '',
  'a',
  'x'.repeat(201),
  'y'.repeat(TOKEN_TEXT),
  'z'.repeat(TOKEN_TEXT + 1),
  0,
  1,
  -1,
  1.5,
  2 ** 60,
  1e308,
  true,
  false,
  null,
  [],
  [1],
  {},
  { a: 1 },
];
const KEYS = [
  'model',
  'created_at',
  'done',
  'done_reason',
  'response',
  'thinking',
  'total_duration',
  'load_duration',
  'prompt_eval_count',
  'prompt_eval_duration',
  'eval_count',
  'eval_duration',
  'context',
  'other',
  '__proto__',
  'constructor',
  'toString',
];

/** A line as JSON.parse makes it (own keys only, `__proto__` an own key too). */
function line(next: () => number): Record<string, unknown> {
  const pairs: string[] = [];
  if (next() < 0.9)
    pairs.push(
      `"done":${next() < 0.8 ? String(next() < 0.5) : JSON.stringify(VALUES[Math.floor(next() * VALUES.length)])}`,
    );
  const n = Math.floor(next() * 6);
  for (let i = 0; i < n; i++) {
    const key = KEYS[Math.floor(next() * KEYS.length)]!;
    if (key === 'done') continue;
    pairs.push(`${JSON.stringify(key)}:${JSON.stringify(VALUES[Math.floor(next() * VALUES.length)])}`);
  }
  return JSON.parse(`{${pairs.join(',')}}`) as Record<string, unknown>;
}

describe('a generate line without zod', () => {
  it('gives what the schema gives, on every line it answers, across 6,000 lines of every shape', () => {
    const next = random(46);
    let answered = 0;
    let passedOn = 0;
    for (let i = 0; i < 6_000; i++) {
      const raw = line(next);
      const byZod = schemaGenerateLine(raw);
      const plain = plainGenerateLine(raw);
      if (plain === undefined) {
        passedOn++;
        continue;
      }
      answered++;
      expect(byZod, JSON.stringify(raw)).toEqual({ value: plain, last: raw['done'] === true });
      expect(Object.keys(plain).sort(), JSON.stringify(raw)).toEqual(
        Object.keys((byZod as { value: object }).value).sort(),
      );
    }
    // both ways were taken many times: the comparison above is not empty
    expect(answered).toBeGreaterThan(600);
    expect(passedOn).toBeGreaterThan(600);
  });

  it("answers Ollama's own lines, the last one with its counts", () => {
    const token = { model: 'llama3.2:latest', created_at: '2026-11-24T20:00:00.000Z', response: 'Hello', done: false };
    const last = {
      model: 'llama3.2:latest',
      created_at: '2026-11-24T20:00:00.100Z',
      response: '',
      done: true,
      done_reason: 'stop',
      total_duration: 123456789,
      load_duration: 1234567,
      prompt_eval_count: 12,
      prompt_eval_duration: 2345678,
      eval_count: 4,
      eval_duration: 3456789,
    };
    expect(plainGenerateLine(token)).toEqual(token);
    expect(plainGenerateLine(last)).toEqual(last);
    expect(plainGenerateLine({ ...last, context: [1, 2, 3] })).toEqual(last); // a field nobody reads is left out
    expect(RULES.generate!.line!(last)).toEqual({ value: last, last: true });
    expect(RULES.generate!.line!(token)).toEqual({ value: token, last: false });
  });

  it('leaves each line it cannot vouch for to the schema, which names the problem', () => {
    const tooLong = { response: 'z'.repeat(TOKEN_TEXT + 1), done: false };
    expect(plainGenerateLine(tooLong)).toBeUndefined();
    expect(RULES.generate!.line!(tooLong)).toEqual({ problem: expect.stringContaining('response') });
    expect(plainGenerateLine({ response: 'a', done: 'yes' })).toBeUndefined();
    expect(RULES.generate!.line!({ response: 'a', done: 'yes' })).toEqual({ problem: expect.stringContaining('done') });
    expect(plainGenerateLine({ response: 7, done: false })).toBeUndefined();
    expect(plainGenerateLine({ thinking: ['a'], done: false })).toBeUndefined();
    expect(plainGenerateLine({ done_reason: 'x'.repeat(201), done: true })).toBeUndefined();
    expect(plainGenerateLine({ done_reason: 'x'.repeat(200), done: true })).toEqual({
      done_reason: 'x'.repeat(200),
      done: true,
    });
    expect(plainGenerateLine({ response: 'z'.repeat(TOKEN_TEXT), done: false })).toEqual({
      response: 'z'.repeat(TOKEN_TEXT),
      done: false,
    });
    // an error line is the schema's: its text, and the end of the stream
    expect(RULES.generate!.line!({ error: 'boom', done: false })).toEqual({ value: { error: 'boom' }, last: true });
  });

  it('drops a nonsense count and a name that is not text, as the schema does', () => {
    const raw = { done: true, eval_count: -1, prompt_eval_count: 2 ** 60, model: 5, created_at: null };
    expect(plainGenerateLine(raw)).toEqual({
      done: true,
      eval_count: undefined,
      prompt_eval_count: undefined,
      model: undefined,
      created_at: undefined,
    });
    expect(schemaGenerateLine(raw)).toEqual({ value: plainGenerateLine(raw), last: true });
  });
});

describe("a stream's checked values, read one at a time (ndjson.ts checkedValues)", () => {
  const framing = {
    maxLineBytes: 1024,
    check: RULES.generate!.line!,
    fail: (why: string) => new Error(why),
    where: 'test',
  };
  /** A body that gives `chunks`, then fails with `end` when given (else ends). */
  const body = (chunks: string[], end?: Error): ChunkReader & { cancelled: boolean } => {
    const left = chunks.map((c) => Buffer.from(c));
    const r = {
      cancelled: false,
      read: () => {
        const next = left.shift();
        if (next) return Promise.resolve({ done: false as const, value: next });
        return end ? Promise.reject(end) : Promise.resolve({ done: true as const });
      },
      cancel: () => {
        r.cancelled = true;
        return Promise.resolve();
      },
    };
    return r;
  };

  it('hands on each line once, in order, across chunks, then says done', async () => {
    const values = checkedValues(
      body(['{"response":"a","done":false}\n{"resp', 'onse":"b","done":false}\n{"done":true}\n']),
      framing,
    );
    const seen: unknown[] = [];
    for (let next = await values.read(); !next.done; next = await values.read()) seen.push(next.value);
    expect(seen).toEqual([{ response: 'a', done: false }, { response: 'b', done: false }, { done: true }]);
    expect(await values.read()).toEqual({ done: true });
  });

  it('once it failed, every later read fails the same way (none waits for ever)', async () => {
    const broke = new Error('the connection broke');
    const values = checkedValues(body(['{"response":"a","done":false}\n'], broke), framing);
    expect(await values.read()).toEqual({ done: false, value: { response: 'a', done: false } });
    await expect(values.read()).rejects.toBe(broke);
    await expect(values.read()).rejects.toBe(broke);
  });

  it('cancelled, it closes the body and reads as done', async () => {
    const source = body(['{"response":"a","done":false}\n{"response":"b","done":false}\n']);
    const values = checkedValues(source, framing);
    expect((await values.read()).done).toBe(false);
    await values.cancel();
    expect(source.cancelled).toBe(true);
    expect(await values.read()).toEqual({ done: true });
  });
});
