// A planner stopped (SIGSTOP), taken over by another server meanwhile, then continued (issue 72
// finding 5): its client names a model that is not loaded. Before, the continued server planned the
// load as if it still held the claim, found the claim moved only as the load went out, sent it to the
// new planner's adapter — where a load is nothing — found the model missing from that planner's list
// ("loaded qwen2.5-coder:7b, but it is not in /api/ps after loading") and answered with another model.
// Now the stale load is not sent; planned again, the call goes to the new planner, which loads the
// named model by its plan — or, when that load fails, the call fails saying so, answered by no other.
// Real-time waits (a stopped process), so in `npm run test:slow`.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  launcherIn,
  runtimeDir,
  servedBy,
  serverLog,
  sharedFixture,
  socketDir,
  type SharedLaunch,
} from '../helpers/shared.js';

const state = sharedFixture();

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
};

/** The pids the engine claims name now. */
function claimPids(runtime: string): number[] {
  const dir = socketDir(runtime);
  return readdirSync(dir)
    .filter((n) => /^engine-[0-9a-f]{16}\.json$/.test(n))
    .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number }).pid);
}

/** The generations of the fake Ollama with a prompt (not the empty ones that load), by model, from index `from` on. */
const answeredBy = (from: number) =>
  state.fake.requests
    .slice(from)
    .filter((r) => r.path === '/api/generate' || r.path === '/api/chat')
    .filter((r) =>
      JSON.stringify(
        (r.body as { prompt?: unknown; messages?: unknown }).prompt ??
          (r.body as { messages?: unknown }).messages ??
          '',
      ).includes('long story'),
    )
    .map((r) => (r.body as { model: string }).model);

/**
 * A planner (a) that has lost its claim to a second server (b) while stopped, and knows nothing of it
 * yet: b is started while a is stopped, so no call of b's waits at a to tell it when it runs again.
 */
async function plannerTakenOver() {
  const runtime = runtimeDir();
  const launch = launcherIn(state, runtime);
  const a = await launch('agent-a', 'shared:\n  idleSeconds: 60\n');
  expect(
    (await call(a, 'route_and_generate', { prompt: 'Say hi.', model: 'llama3.2', maxTokens: 4, useMemory: false }))
      .isError,
  ).toBe(false);
  const pa = servedBy(a);
  expect(claimPids(runtime)).toEqual([pa]);
  process.kill(pa, 'SIGSTOP');
  try {
    const b = await launch('agent-b', 'shared:\n  idleSeconds: 60\nmodel:\n  routing:\n    defaultProfile: fast\n');
    const r = await call(b, 'route_and_generate', {
      prompt: 'Say hi while it sleeps.',
      model: 'llama3.2',
      maxTokens: 4,
      useMemory: false,
    });
    expect(r.isError, r.text).toBe(false);
    // b's first call proved a's claim, which a stopped could not answer: taken over
    expect(claimPids(runtime)).toEqual([servedBy(b)]);
    return { runtime, a, pa, pb: servedBy(b) };
  } finally {
    process.kill(pa, 'SIGCONT');
  }
}

const LONG = { prompt: 'Write a long story.', model: 'qwen2.5-coder:7b', maxTokens: 800, useMemory: false };

describe('a continued planner that lost its claim, asked for a model not loaded', () => {
  it('is answered by that model, loaded by the new planner', { timeout: 90_000 }, async () => {
    const { runtime, a, pa, pb } = await plannerTakenOver();
    const from = state.fake.requests.length;
    const g = await call(a, 'route_and_generate', LONG);
    expect(g.isError, g.text).toBe(false);
    expect(g.out, g.text).toMatchObject({ model: 'qwen2.5-coder:7b', provider: 'ollm', fallbacks: [] });
    expect(answeredBy(from)).toEqual(['qwen2.5-coder:7b']); // answered once, by the model named
    expect(state.fake.loaded().map((m) => m.name)).toContain('qwen2.5-coder:7b');
    // the new planner loaded it by its plan; the continued server sent no load of its own
    expect(serverLog(runtime, pb)).toMatch(/wanted qwen2\.5-coder:7b .*→ load/);
    expect(serverLog(runtime, pa)).not.toMatch(/loaded qwen2\.5-coder:7b/);
    expect(claimPids(runtime)).toEqual([pb]);
  });

  it(
    "fails saying why when the new planner's load of it fails: no other model answers in its place",
    { timeout: 90_000 },
    async () => {
      const { a } = await plannerTakenOver();
      expect(state.fake.loaded().map((m) => m.name)).not.toContain('phi3:mini');
      state.fake.injectLoadFailure('crash', { model: 'phi3:mini' });
      const from = state.fake.requests.length;
      const g = await call(a, 'route_and_generate', { ...LONG, model: 'phi3:mini' });
      expect(g.isError, g.text).toBe(true);
      // the cause
      expect(g.text).toMatch(/llama-server process has terminated.* phi3:mini was named, and its load failed/s);
      expect(g.text).toMatch(/call again once that is fixed, or name another model/); // the next step
      expect(answeredBy(from)).toEqual([]); // no other model was asked
    },
  );
});
