/**
 * A job's counts by its engine's tokenizer (engines/engine-tokens.ts): used when good, never a failure of the
 * job, logged once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { engineTokens } from '../../src/orchestrator/engines/engine-tokens.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';

type Tokenize = NonNullable<Engine['tokenize']>;
const engine = (tokenize: Tokenize | undefined, can = true): Pick<Engine, 'can' | 'tokenize'> => ({
  can: { managesMemory: true, pullAndDelete: false, contextPerRequest: false, tokenize: can, embeddings: false },
  ...(tokenize && { tokenize }),
});

let logged: string[];
beforeEach(() => {
  logged = [];
  process.env.OLLM_LOG_LEVEL = 'warn';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    logged.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.OLLM_LOG_LEVEL;
});

describe('engineTokens', () => {
  it("gives the engine's count, asking it each time, for the model named", async () => {
    const asked: string[] = [];
    const tokens = engineTokens(
      engine(async (model, text) => (asked.push(`${model}:${text}`), text.length)),
      'm:latest',
    );
    expect(await tokens('abc')).toBe(3);
    expect(await tokens('')).toBe(0);
    expect(await tokens('abcde')).toBe(5);
    expect(asked).toEqual(['m:latest:abc', 'm:latest:', 'm:latest:abcde']);
    expect(logged).toEqual([]);
  });

  it('gives undefined, logging nothing, when the engine cannot count now or has no tokenizer', async () => {
    expect(
      await engineTokens(
        engine(async () => undefined),
        'm',
      )('abc'),
    ).toBeUndefined();
    let asked = 0;
    expect(
      await engineTokens(
        engine(async () => ++asked, false),
        'm',
      )('abc'),
    ).toBeUndefined();
    expect(await engineTokens(engine(undefined), 'm')('abc')).toBeUndefined();
    expect(asked).toBe(0);
    expect(logged).toEqual([]);
  });

  it.each([
    [
      'an HTTP error',
      () =>
        Promise.reject(new HostError('server_error', 'llama-server at h failed POST /tokenize (HTTP 500)', 'h', 500)),
    ],
    [
      'a time limit',
      () =>
        Promise.reject(new HostError('timeout', 'llama-server at h did not answer POST /tokenize within 3010 ms', 'h')),
    ],
    ['a thrown non-error', () => Promise.reject('boom')],
    ['a count that is not one', () => Promise.resolve(-1)],
    ['a fractional count', () => Promise.resolve(2.5)],
    ['a count past safe integers', () => Promise.resolve(2 ** 60)],
    ['NaN', () => Promise.resolve(Number.NaN)],
  ])('on %s: undefined, logged once, and the engine is asked no more in this job', async (_what, fail) => {
    let asked = 0;
    const tokens = engineTokens(
      engine(() => (asked++, fail())),
      'm:latest',
    );
    expect(await tokens('abc')).toBeUndefined();
    expect(await tokens('abc')).toBeUndefined();
    expect(asked).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      /^\[ollm-mcp\] warn: m:latest: the engine's token count failed \(.+\); this job counts tokens by the calibrated estimate instead\.\n$/,
    );
  });

  it('names the cause in the log line', async () => {
    await engineTokens(
      engine(() => Promise.reject(new HostError('timeout', 'did not answer POST /tokenize within 3010 ms', 'h'))),
      'm',
    )('abc');
    await engineTokens(
      engine(() => Promise.reject('boom')),
      'm',
    )('abc');
    await engineTokens(
      engine(() => Promise.resolve(-1)),
      'm',
    )('abc');
    expect(logged.join('')).toMatch(
      /failed \(did not answer POST \/tokenize within 3010 ms\)[\s\S]*failed \(boom\)[\s\S]*failed \(a count of -1\)/,
    );
  });

  it('another job asks again: a failure is remembered for its job only', async () => {
    let fail = true;
    const e = engine(async () => {
      if (fail) throw new Error('down');
      return 4;
    });
    expect(await engineTokens(e, 'm')('abc')).toBeUndefined();
    fail = false;
    expect(await engineTokens(e, 'm')('abc')).toBe(4);
  });

  it('throws a cancel, logging nothing, and asks again after it', async () => {
    const ac = new AbortController();
    let asked = 0;
    const tokens = engineTokens(
      engine(async (_m, _t, o) => {
        asked++;
        if (o?.signal?.aborted) throw new HostError('aborted', 'cancelled', 'h');
        return 2;
      }),
      'm',
    );
    ac.abort();
    await expect(tokens('abc', ac.signal)).rejects.toThrow('cancelled');
    expect(await tokens('abc')).toBe(2);
    expect(asked).toBe(2);
    expect(logged).toEqual([]);
  });

  it('passes the signal on', async () => {
    const ac = new AbortController();
    let seen: AbortSignal | undefined;
    await engineTokens(
      engine(async (_m, _t, o) => ((seen = o?.signal), 1)),
      'm',
    )('abc', ac.signal);
    expect(seen).toBe(ac.signal);
  });
});
