/**
 * The engine's tokenizer (llama-server's /tokenize) as a side channel, end to end: the built server
 * with a llama.cpp host (a router, and a single-model server) as the only host, reading a log by
 * path that its 2,048-token window holds only by the engine's own count. A good count is used (the
 * log runs whole, "counted by the engine tokenizer"); an answer that is an HTTP error, not a list,
 * or more tokens than the text has bytes falls back to the calibrated estimate — the job runs, split
 * by the estimate, and the failure is logged once — for every caller: the whole prompt, split
 * planning, the parts, and compare. The 60 MB answer and the time limit: tokenize-bounds.slow.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenizeMode } from '../fake-llamacpp/server.js';
import { tokenizeSetup } from '../helpers/tokenize.js';

const BAD: readonly TokenizeMode[] = ['error', 'not-list', 'too-many'];
const ESTIMATE = /counted by (?:estimate|earlier answers)/;

describe.each([
  ['a llama.cpp router', true],
  ['a single-model llama-server', false],
] as const)("the engine's tokenizer on %s", (_name, router) => {
  let t: Awaited<ReturnType<typeof tokenizeSetup>>;
  beforeAll(async () => {
    t = await tokenizeSetup(router);
  }, 30_000);
  afterAll(() => t?.stop());

  const route = (file: string) =>
    t.call('route_and_generate', {
      prompt: 'List the errors in this log.',
      task: 'summarize',
      model: 'storiesA',
      files: [file],
      maxTokens: 64,
      useMemory: false,
    });

  it("uses a good count: the whole prompt runs whole, by the engine's count of it", async () => {
    t.llama.tokenize = 'ok';
    const before = t.tokenizeCalls();
    const r = await route('whole.log');
    expect(r.isError, r.text).toBe(false);
    expect(t.tokenizeCalls()).toBeGreaterThan(before);
    expect(r.out.split).toBeUndefined();
    expect(r.logged).toEqual([]);
  });

  it("uses a good count for split planning and the parts: split by the engine tokenizer's count", async () => {
    t.llama.tokenize = 'ok';
    const r = await route('big.log');
    expect(r.isError, r.text).toBe(false);
    expect(r.out.split?.parts).toBeGreaterThan(1);
    expect(r.out.reason).toMatch(/counted by the engine tokenizer/);
    expect(r.logged).toEqual([]);
  });

  it.each(BAD)(
    'a /tokenize answer that is %s: the whole prompt falls back to the calibrated estimate, logged once',
    async (mode) => {
      t.llama.tokenize = mode;
      const r = await route('whole.log');
      expect(r.isError, r.text).toBe(false);
      expect(r.out.split?.parts, r.text).toBeGreaterThan(1); // the calibrated estimate does not hold it whole
      expect(r.out.reason).toMatch(ESTIMATE);
      expect(r.logged, r.logged.join('\n')).toHaveLength(1);
      expect(r.logged[0]).toMatch(/\/tokenize/);
    },
  );

  it.each(BAD)(
    'a /tokenize answer that is %s for the parts only: each part is sent as planned, logged once',
    async (mode) => {
      t.llama.tokenize = (content) => (/Part \d+ of \d+ of the input/.test(content) ? mode : 'ok');
      const r = await route('big.log');
      expect(r.isError, r.text).toBe(false);
      expect(r.out.reason).toMatch(/counted by the engine tokenizer/);
      // no part was cut in two on a count the engine did not give
      const parts = r.out.split!.parts;
      const chats = t.llama.requests.filter(
        (x) => x.path === '/v1/chat/completions' && /Part \d+ of \d+ of the input/.test(JSON.stringify(x.body)),
      );
      expect(chats.length).toBeGreaterThanOrEqual(parts);
      expect(r.out.split!.calls).toBeLessThan(parts * 2);
      expect(r.logged, r.logged.join('\n')).toHaveLength(1);
    },
  );

  it.runIf(router).each(BAD)(
    'compare, with a /tokenize answer that is %s: every model answers, split by the estimate',
    async (mode) => {
      t.llama.tokenize = mode;
      const r = await t.call('compare', {
        prompt: 'List the errors in this log.',
        models: ['storiesA', 'storiesB'],
        files: ['whole.log'],
        maxTokens: 64,
      });
      expect(r.isError, r.text).toBe(false);
      const results = r.out.results!;
      expect(results.map((x) => x.error ?? '')).toEqual(['', '']);
      expect(r.logged.length).toBeGreaterThanOrEqual(1);
      expect(r.logged.length).toBeLessThanOrEqual(2); // once per model's job
    },
  );
});
