/**
 * The engine's tokenizer as a weapon, end to end (in the slow list: 60 MB answers, and time limits
 * waited out): a /tokenize answer of 60 MB is counted as it streams and given up once it passes
 * what the text sent can hold — the server's peak resident memory grows by far less than the
 * answer (read from /proc on Linux) and it keeps answering; a /tokenize that never answers, or
 * stalls inside its answer, is given up at a time limit proportional to the text, well under the
 * host's 10 s. Either way the job runs on the calibrated estimate, the failure logged once, and
 * the job asks the tokenizer no more — for the whole prompt and for the parts, on a llama.cpp
 * router and on a single-model llama-server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUGE_TOKENIZE_BYTES, type TokenizeMode } from '../fake-llamacpp/server.js';
import { tokenizeSetup } from '../helpers/tokenize.js';

const ESTIMATE = /counted by (?:estimate|earlier answers)/;
const PART = /Part \d+ of \d+ of the input/;

/** The peak resident memory of process `pid` in bytes (Linux), or undefined where it cannot be read. */
function peakRss(pid: number | undefined): number | undefined {
  const file = `/proc/${pid}/status`;
  if (pid === undefined || !existsSync(file)) return undefined;
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'))?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

describe.each([
  ['a llama.cpp router', true],
  ['a single-model llama-server', false],
] as const)("the engine's tokenizer as a weapon, on %s", (_name, router) => {
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

  it.each([
    ['the whole prompt', 'whole.log', false],
    ['the parts', 'big.log', true],
  ] as const)(
    'a 60 MB /tokenize answer for %s: counted as it streams and given up at its bound; the ' +
      'server stays small and answers',
    { timeout: 60_000 },
    async (_what, file, partsOnly) => {
      t.llama.tokenize = partsOnly ? (content) => (PART.test(content) ? 'huge' : 'ok') : 'huge';
      const pid = t.session.pid();
      const before = peakRss(pid);
      const sent = t.llama.tokenizeBytes;
      const r = await route(file);
      expect(r.isError, r.text).toBe(false);
      expect(r.out.reason).toMatch(partsOnly ? /counted by the engine tokenizer/ : ESTIMATE);
      expect(r.logged, r.logged.join('\n')).toHaveLength(1);
      expect(r.logged[0]).toMatch(
        /POST \/tokenize with (?:a body of more than \d+ bytes|more tokens than the \d+ bytes of text sent can hold)/,
      );
      // it stopped reading: what was written is the part of the answer the sockets' buffers took
      expect(t.llama.tokenizeBytes - sent).toBeLessThan(HUGE_TOKENIZE_BYTES / 4);
      await expect(t.session.client.ping()).resolves.toBeDefined();
      const after = peakRss(pid);
      if (before !== undefined && after !== undefined)
        expect(after - before, `peak RSS ${before >> 20} MiB -> ${after >> 20} MiB`).toBeLessThan(100 * 2 ** 20);
    },
  );

  it.each([
    ['never answers', 'hang', 'whole.log', false],
    ['stalls inside its answer', 'stall', 'whole.log', false],
    ['never answers for the parts', 'hang', 'big.log', true],
  ] as const)(
    'a /tokenize that %s: given up at a time limit proportional to the text, asked no more',
    { timeout: 60_000 },
    async (_what, mode: TokenizeMode, file, partsOnly) => {
      t.llama.tokenize = partsOnly ? (content) => (PART.test(content) ? mode : 'ok') : mode;
      const asked = t.tokenizeCalls();
      const r = await route(file);
      expect(r.isError, r.text).toBe(false);
      expect(r.out.reason).toMatch(partsOnly ? /counted by the engine tokenizer/ : ESTIMATE);
      expect(r.logged, r.logged.join('\n')).toHaveLength(1);
      const limit = Number(/did not answer POST \/tokenize within (\d+) ms/.exec(r.logged[0]!)?.[1]);
      expect(limit).toBeGreaterThanOrEqual(3000);
      expect(limit).toBeLessThan(4000); // the text's share: ~1 ms a KiB; the host's limit is 10 s
      // the planning count, and at most one part's: after a failure the job asks no more
      expect(t.tokenizeCalls() - asked).toBeLessThanOrEqual(partsOnly ? 2 : 1);
    },
  );
});
