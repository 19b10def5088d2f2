// The shared server runs with the environment of the launch that started it, so the variables that
// change what a server does (place.ts SERVER_VARIABLES) are in its key: a launch with other values
// gets a server of its own, and never has the first launch's rule (issue 61, item 9) — while
// launches with the same environment still share one server.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readIfThere,
  runtimeDir,
  servedBy,
  serverLog,
  sharedFixture,
  sharedLaunch,
  socketDir,
  type SharedLaunch,
} from '../helpers/shared.js';
import { tempHome } from '../helpers/spawn.js';

const state = sharedFixture();

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
};

/** The pids the engine claims in the runtime folder name. */
const claimants = (runtime: string): number[] =>
  readdirSync(socketDir(runtime))
    .filter((n) => /^engine-[0-9a-f]{16}\.json$/.test(n))
    .flatMap((f) => {
      // '' when withdrawn between the listing and the read; never half-written (engine-claims.ts links it
      // whole)
      const text = readIfThere(join(socketDir(runtime), f));
      return text ? [(JSON.parse(text) as { pid: number }).pid] : [];
    });

describe('the environment of a launch, one home', () => {
  it(
    'a launch with OLLM_ENGINE_CLAIMS=0 after one without gets a server of its own where claims ' +
      'are off; the first keeps its claim; the same environment shares one server',
    { timeout: 90_000 },
    async () => {
      const runtime = runtimeDir();
      state.runtimes.push(runtime);
      const home = tempHome('shared:\n  idleSeconds: 30\n');
      const launch = async (name: string, env?: Record<string, string>) => {
        const l = await sharedLaunch({
          home,
          ollamaHost: state.fake.host,
          runtime,
          cwd: home,
          name,
          ...(env && { env }),
        });
        state.launches.push(l);
        return l;
      };
      const a = await launch('agent-a');
      expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({ pinned: true });
      const pa = servedBy(a);
      expect(pa).toBeGreaterThan(0);
      expect(claimants(runtime)).toEqual([pa]);
      // the same environment: the same server
      const a2 = await launch('agent-a2');
      expect(servedBy(a2)).toBe(pa);
      // claims off: a server of its own, which claims nothing and plans the engine itself
      const b = await launch('agent-b', { OLLM_ENGINE_CLAIMS: '0' });
      const pb = servedBy(b);
      expect(pb).toBeGreaterThan(0);
      expect(pb).not.toBe(pa);
      const r = await call(b, 'route_and_generate', {
        prompt: 'Say hi.',
        model: 'phi3:mini',
        maxTokens: 8,
        useMemory: false,
      });
      expect(r.isError, r.text).toBe(false);
      expect((await call(b, 'show_status', {})).text).not.toContain('planned by ollm-mcp process');
      expect(serverLog(runtime, pb)).not.toMatch(/engine .*: this server plans its memory \(claim/);
      // the first keeps its claim, and its clients their server
      expect(claimants(runtime)).toEqual([pa]);
      expect((await call(a2, 'show_status', {})).isError).toBe(false);
      await call(a, 'unload_model', { model: 'llama3.2' });
    },
  );
});
