// A relayed call costs what a relay costs (issue 74, Deliver 4), with the built servers: two shared
// servers of other settings on one machine, one engine. Once the planner lent the second a hold on a
// loaded model, the second's calls reach the engine without a route_and_generate on the planner
// (its records of the second's agent stay as they were), each once; the planner's loader counts the
// second's request in flight on that model as its own — no unload under it — and unloads it once it
// ended, revoking the hold first: the second's next call goes through the planner, which loads it. A hold run out
// unrevoked (an agent's calls seconds apart) is asked again by the next call, which still goes straight.
import { describe, expect, it } from 'vitest';
import { launcherIn, runtimeDir, sharedFixture, type SharedLaunch } from '../helpers/shared.js';

const state = sharedFixture();
const MODEL = 'phi3:mini';

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  const text = (res.content as Array<{ text: string }>)[0]!.text;
  return { isError: res.isError === true, text, out: res.structuredContent as Record<string, unknown> };
};
const generate = (l: SharedLaunch, prompt = 'Say hi.') =>
  call(l, 'route_and_generate', { prompt, model: MODEL, maxTokens: 8, useMemory: false });

/** The route_and_generate calls the planner ran for the second server's agent (its records: `local/agent-b`). */
async function relayedOnPlanner(a: SharedLaunch): Promise<number> {
  const text = ((await a.client.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text;
  const agents = (JSON.parse(text) as { agents: Array<{ agent: string; requests: number }> }).agents;
  return agents.find((x) => x.agent === 'local/agent-b')?.requests ?? 0;
}

const generations = () => state.fake.generations().filter((g) => g.resolved === MODEL).length;
const settle = () => new Promise((r) => setTimeout(r, 1000)); // the hold asked after a call through the planner

async function twoSettings() {
  // a hold asked again is waited for 3 s (100 ms in use): three processes answer it on a busy machine
  const launch = launcherIn(state, runtimeDir(), { OLLM_HOLD_RENEW_WAIT_MS: '3000' });
  const a = await launch('agent-a', 'shared:\n  idleSeconds: 30\n');
  expect((await call(a, 'list_models', {})).isError).toBe(false); // its core made, and so its claim
  const b = await launch('agent-b', 'shared:\n  idleSeconds: 30\nmodel:\n  routing:\n    defaultProfile: fast\n');
  const first = await generate(b);
  expect(first.isError, first.text).toBe(false);
  expect(await relayedOnPlanner(a)).toBe(1); // the first through the planner: it loaded the model
  await settle();
  return { a, b };
}

describe("a server relaying through another's engine claim, under a hold the planner lent", () => {
  it('reaches the engine with no route_and_generate on the planner, each call once', { timeout: 60_000 }, async () => {
    const { a, b } = await twoSettings();
    const before = generations();
    for (let i = 0; i < 3; i++) {
      const r = await generate(b);
      expect(r.isError, r.text).toBe(false);
      expect(r.out).toMatchObject({ model: MODEL });
    }
    expect(await relayedOnPlanner(a)).toBe(1);
    expect(generations()).toBe(before + 3);
    expect(state.fake.stats().forcedEvictions).toEqual([]);
    expect(state.fake.stats().reloads).toEqual([]); // sent with the window it is loaded with
  });

  it(
    'after 6 s without a call (its hold run out), the next call asks it again and still reaches the engine straight',
    { timeout: 60_000 },
    async () => {
      const { a, b } = await twoSettings();
      expect((await generate(b)).isError).toBe(false); // under the hold
      await new Promise((r) => setTimeout(r, 6000)); // as an agent calls: past the hold's 5 s
      const before = generations();
      const r = await generate(b);
      expect(r.isError, r.text).toBe(false);
      expect(r.out).toMatchObject({ model: MODEL });
      expect(await relayedOnPlanner(a)).toBe(1); // not through the planner's route_and_generate
      expect(generations()).toBe(before + 1);
    },
  );

  it(
    'the planner keeps the model under a relayed request, unloads it once it ended; the next call goes through it',
    { timeout: 60_000 },
    async () => {
      const { a, b } = await twoSettings();
      state.fake.setLatency('/api/generate', 1500);
      try {
        const slow = generate(b, 'A slow one.');
        const at = () =>
          state.fake.requests.find(
            (r) => r.path === '/api/generate' && (r.body as { prompt?: string }).prompt === 'A slow one.',
          )?.at;
        for (const end = Date.now() + 5000; at() === undefined && Date.now() < end;)
          await new Promise((r) => setTimeout(r, 20));
        const began = at()!;
        expect(began).toBeDefined();
        // the relayed request runs on it: the planner's loader counts it as its own, and keeps the model
        const kept = await call(a, 'unload_model', { model: MODEL });
        expect(kept.text).toContain(`Kept ${MODEL}: a request is running on it.`);
        expect(state.fake.loaded().map((m) => m.name)).toContain(MODEL);
        const unloading = (r: { path: string; body: unknown }) =>
          r.path === '/api/generate' && (r.body as { keep_alive?: unknown }).keep_alive === 0;
        expect(state.fake.requests.filter(unloading)).toEqual([]);
        expect((await slow).isError).toBe(false);
        // once it ended, the unload is done (its hold revoked first)
        const unloaded = await call(a, 'unload_model', { model: MODEL });
        expect(unloaded.isError, unloaded.text).toBe(false);
        expect(state.fake.requests.find(unloading)!.at - began).toBeGreaterThanOrEqual(1400); // answered after 1500 ms
        expect(state.fake.loaded().map((m) => m.name)).not.toContain(MODEL);
      } finally {
        state.fake.setLatency('/api/generate', 0);
      }
      // its hold revoked: the next call goes through the planner, which loads the model again, and is answered once
      const before = generations();
      const r = await generate(b);
      expect(r.isError, r.text).toBe(false);
      expect(await relayedOnPlanner(a)).toBe(2);
      expect(generations()).toBe(before + 1);
      expect(state.fake.loaded().map((m) => m.name)).toContain(MODEL);
      await settle();
      expect((await generate(b)).isError).toBe(false);
      expect(await relayedOnPlanner(a)).toBe(2); // a hold again
    },
  );
});
