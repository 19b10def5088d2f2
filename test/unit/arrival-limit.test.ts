// A call's time limit counts from its arrival (issue 56): its client's clock started before the
// core loaded and its inputs were read, so the hand-over comes that much sooner; what is left of
// the limit is what route decisions are given too.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientLimitField, remainingMs, type ClientLimit } from '../../src/orchestrator/config/client-limits.js';
import { LongWork } from '../../src/orchestrator/jobs/long-work.js';
import type { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { asJob } from '../../src/tools/long-call.js';
import type { ToolContext } from '../../src/tools/tool-types.js';

const limit = (over: Partial<ClientLimit>): ClientLimit => ({ seconds: 60, source: 'test', ...over });

describe('what is left of a limit', () => {
  it('is the limit less the time since the call arrived; the whole limit without an arrival; none without a limit', () => {
    const now = 1_000_000;
    expect(remainingMs(limit({ since: now - 10_000 }), now)).toBe(50_000);
    expect(remainingMs(limit({}), now)).toBe(60_000);
    expect(remainingMs(limit({ since: now + 5000 }), now)).toBe(60_000); // a clock that stepped back takes nothing
    expect(remainingMs(limit({ since: now - 90_000 }), now)).toBe(1); // past it: at once
    expect(remainingMs(limit({ seconds: undefined, since: now - 10_000 }), now)).toBeUndefined();
    expect(clientLimitField(limit({ seconds: undefined }))).toEqual({});
    expect(clientLimitField(limit({})).clientLimitMs).toBe(60_000);
  });
});

/** A job store that keeps nothing (the runner works without one). */
const store = {
  previous: async () => ({ lost: [] }),
  lostParts: async () => [],
  create: async () => Promise.reject(new Error('none')),
  handedOver: async () => undefined,
  progress: async () => undefined,
  end: async () => undefined,
} as unknown as JobStore;

afterEach(() => {
  vi.useRealTimers();
});

describe('a long call hands over before what is left of its limit', () => {
  it(
    'counting from its arrival: a 7 s limit 3 s after arrival hands over at 1 s; counted from ' +
      'the start of its work it would not yet',
    async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const ctx = (since?: number) =>
        ({
          orch: { longWork: new LongWork(store), savings: { recordOverhead: () => undefined } },
          agent: 'a',
          signal: new AbortController().signal,
          clientLimit: limit({ seconds: 7, ...(since !== undefined && { since }) }),
          scope: () => '',
        }) as unknown as Pick<ToolContext, 'orch' | 'agent' | 'signal' | 'clientLimit' | 'job' | 'scope'>;
      const never = () => new Promise<never>(() => undefined);
      const handed = (c: ReturnType<typeof ctx>) => {
        let out: unknown;
        void asJob(c, { tool: 'route_and_generate', key: 'k' }, never, (job, text) => ({ job, text })).then(
          (r) => (out = r),
        );
        return () => out;
      };
      const late = handed(ctx(Date.now() - 3000)); // 4 s left: answered 1 s from now (5 s margin, 1 s at the least)
      const fresh = handed(ctx()); // 7 s left: answered at 2 s
      await vi.advanceTimersByTimeAsync(1001);
      expect(late()).toMatchObject({ structured: { job: { state: 'running' } } });
      expect(fresh()).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1000);
      expect(fresh()).toMatchObject({ structured: { job: { state: 'running' } } });
      // what the client waits is its limit, however late the work began: 7 s both (4 s was left of the late one's)
      for (const r of [late(), fresh()]) expect((r as { text: string }).text).toContain('(your client waits 7 s)');
    },
  );
});
