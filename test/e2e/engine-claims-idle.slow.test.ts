// A shared server that plans an engine for another server of this machine (issue 57 item 0) does not
// leave while that server still sends it calls: its idle limit counts from its last client AND the
// last relayed call. Real-time waits (an idle limit of 2 s), so in `npm run test:slow`.
import { describe, expect, it } from 'vitest';
import { isRunning, launcherIn, runtimeDir, servedBy, sharedFixture, type SharedLaunch } from '../helpers/shared.js';

const state = sharedFixture();

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  return { isError: res.isError === true, text: (res.content as Array<{ text: string }>)[0]!.text };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a shared server planning an engine for another server', () => {
  it(
    "stays while the other's calls come, though its own client left; leaves its idle limit after the last",
    { timeout: 60_000 },
    async () => {
      const launch = launcherIn(state, runtimeDir());
      const a = await launch('agent-a', 'shared:\n  idleSeconds: 2\n');
      expect(
        (await call(a, 'route_and_generate', { prompt: 'Say hi.', model: 'llama3.2', maxTokens: 4, useMemory: false }))
          .isError,
      ).toBe(false);
      const b = await launch('agent-b', 'shared:\n  idleSeconds: 30\nmodel:\n  routing:\n    defaultProfile: fast\n');
      const pa = servedBy(a);
      await a.close(); // its last client gone: 2 s from now it would leave — but b's calls still come through it
      for (let i = 0; i < 5; i++) {
        const r = await call(b, 'route_and_generate', {
          prompt: `Say hi ${i}.`,
          model: 'llama3.2',
          maxTokens: 4,
          useMemory: false,
        });
        expect(r.isError, r.text).toBe(false);
        await sleep(500); // five calls and pauses: past its 2 s, each well within it
      }
      expect(isRunning(pa)).toBe(true);
      // no more calls: it leaves within its idle limit (and a little)
      for (const until = Date.now() + 10_000; isRunning(pa) && Date.now() < until;) await sleep(100);
      expect(isRunning(pa)).toBe(false);
    },
  );
});
