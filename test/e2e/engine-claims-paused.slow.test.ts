// A planner stopped (SIGSTOP: Ctrl-Z, a debugger) while another server of the machine relays its
// calls through it (issue 61 finding 5): the relaying server finds out within seconds — the claim
// proven again, the stopped planner unable to answer its challenge — takes the engine over and
// runs its call once; the planner, continued, reads its claim before acting on memory and plans
// nothing there any more: its unload is not sent to the engine, its calls go to the new planner.
// Real-time waits (a stopped process), so in `npm run test:slow`.
import { HOLD_TTL_MS } from '../../src/orchestrator/engines/holds/wire.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launcherIn, runtimeDir, servedBy, sharedFixture, socketDir, type SharedLaunch } from '../helpers/shared.js';

const state = sharedFixture();

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids the engine claims name now. */
function claimPids(runtime: string): number[] {
  const dir = socketDir(runtime);
  return readdirSync(dir)
    .filter((n) => /^engine-[0-9a-f]{16}\.json$/.test(n))
    .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number }).pid);
}
/** The requests of the fake Ollama that load, unload or generate, from index `from` on. */
const memoryRequests = (from: number) =>
  state.fake.requests.slice(from).filter((r) => r.path === '/api/generate' || r.path === '/api/chat');
const prompted = (text: string) =>
  state.fake.requests.filter((r) => JSON.stringify(r.body ?? '').includes(text)).length;

describe('a planner stopped while another server relays through it', () => {
  it('is taken over within seconds; continued, it plans nothing more on the engine', { timeout: 90_000 }, async () => {
    const launch = launcherIn(state, runtimeDir());
    const runtime = state.runtimes.at(-1)!;
    const a = await launch('agent-a', 'shared:\n  idleSeconds: 60\n');
    expect(
      (await call(a, 'route_and_generate', { prompt: 'Say hi.', model: 'llama3.2', maxTokens: 4, useMemory: false }))
        .isError,
    ).toBe(false);
    const b = await launch('agent-b', 'shared:\n  idleSeconds: 60\nmodel:\n  routing:\n    defaultProfile: fast\n');
    const [pa, pb] = [servedBy(a), servedBy(b)];
    expect(
      (await call(b, 'route_and_generate', { prompt: 'Say hi.', model: 'llama3.2', maxTokens: 4, useMemory: false }))
        .isError,
    ).toBe(false);
    expect(claimPids(runtime)).toEqual([pa]);

    process.kill(pa, 'SIGSTOP');
    try {
      // a hold the planner lent b (engines/holds/) runs out unrenewed while the planner is stopped; until it does,
      // b's calls go straight to the engine, which a stopped planner cannot unload meanwhile: then b's call takes over
      await sleep(HOLD_TTL_MS);
      const r = await call(b, 'route_and_generate', {
        prompt: 'Say hi while it sleeps.',
        model: 'llama3.2',
        maxTokens: 4,
        useMemory: false,
      });
      expect(r.isError, r.text).toBe(false);
      expect(claimPids(runtime)).toEqual([pb]); // answered while the planner is still stopped: b took the engine over
    } finally {
      process.kill(pa, 'SIGCONT');
    }
    await sleep(1500); // the planner runs again, with whatever was sent to it while stopped
    expect(prompted('Say hi while it sleeps.')).toBe(1); // the call's work reached the engine once

    // the continued planner: its generations go through the new planner, and it says so
    const g = await call(a, 'route_and_generate', {
      prompt: 'Say hi after.',
      model: 'llama3.2',
      maxTokens: 4,
      useMemory: false,
    });
    expect(g.isError, g.text).toBe(false);
    expect((await call(a, 'show_status', {})).text).toContain(`planned by ollm-mcp process ${pb}`);
    // it plans nothing there itself: its unload is asked of the new planner, whose plan carries it out once
    // (issue 75, finding 8: one view of one engine, its actions the planner's)
    const from = state.fake.requests.length;
    const unload = await call(a, 'unload_model', { model: 'llama3.2' });
    expect(unload.text).toMatch(/^Unloaded llama3\.2:latest/);
    expect(memoryRequests(from).map((r) => (r.body as { keep_alive?: unknown }).keep_alive)).toEqual([0]);
    expect(claimPids(runtime)).toEqual([pb]);
  });
});
