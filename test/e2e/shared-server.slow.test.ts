// `ollm-mcp daemon`, the shared server — run by hand, or started by the first launch — waits real
// seconds before its idle exit: launches forward to it while it runs; after the last client leaves,
// it exits within shared.idleSeconds and leaves nothing behind in its folder, and the next launch
// starts the next one. And a server suspended (SIGSTOP) while a client's call runs there: the
// launch notices it stopped answering (a ping unanswered), the call is sent to the next server,
// which takes the place, and answered there; the suspended one, resumed, leaves the next one's
// files alone (shared-server.test.ts: the rest).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { CLI, serverEnv, tempHome } from '../helpers/spawn.js';
import { isRunning, runtimeDir, sharedLaunch, sharedPids, socketFiles, stopShared } from '../helpers/shared.js';

let fake: FakeOllama;
const runtime = runtimeDir();
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  stopShared(runtime);
  await fake?.stop();
});

describe('ollm-mcp daemon', () => {
  it(
    'serves every launch while it runs, exits shared.idleSeconds after its last client leaves, ' +
      'socket and lock removed; the next launch starts the next one',
    { timeout: 30_000 },
    async () => {
      const home = tempHome('shared:\n  idleSeconds: 1\n');
      const env = serverEnv({
        OLLM_HOME: home,
        OLLAMA_HOST: fake.host,
        OLLM_SHARED: '1',
        OLLM_TEST_RUNTIME_DIR: runtime,
      });
      const daemon = spawn(process.execPath, [CLI, 'daemon'], { env, cwd: home, stdio: 'ignore' });
      await expect.poll(() => sharedPids(runtime), { timeout: 10_000 }).toEqual([daemon.pid]);
      const launch = (name: string) => sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
      const a = await launch('client-a');
      const b = await launch('client-b');
      expect(a.stderr()).toContain(`forwarding stdio to the shared server ${daemon.pid}`);
      expect(b.stderr()).toContain(`forwarding stdio to the shared server ${daemon.pid}`);
      await a.close();
      await new Promise((r) => setTimeout(r, 1500));
      expect(isRunning(daemon.pid!)).toBe(true); // b is still connected
      await b.close();
      await expect.poll(() => isRunning(daemon.pid!), { timeout: 10_000, interval: 100 }).toBe(false);
      expect(socketFiles(runtime)).toEqual([]);
      const c = await launch('client-c');
      expect((await c.client.callTool({ name: 'recall', arguments: { query: 'x' } })).isError).not.toBe(true);
      const [next] = sharedPids(runtime);
      expect([c.pid, daemon.pid]).not.toContain(next);
      // the one a launch started is gone as soon after its last client, leaving nothing
      await c.close();
      await expect.poll(() => isRunning(next!), { timeout: 10_000, interval: 100 }).toBe(false);
      expect(socketFiles(runtime)).toEqual([]);
    },
  );

  it(
    'suspended while a call runs there: the launch goes on without it — the call answered by ' +
      'the next server, which new launches reach; resumed, it leaves that one be',
    { timeout: 60_000 },
    async () => {
      const home = tempHome('shared:\n  idleSeconds: 1\n');
      const launch = (name: string) => sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
      const b = await launch('client-b');
      const [first] = sharedPids(runtime);
      expect((await b.client.callTool({ name: 'smart_load', arguments: { model: 'llama3.2' } })).isError).not.toBe(
        true,
      );
      const generates = () => fake.requests.filter((r) => r.path === '/api/generate').length;
      fake.setLatency('/api/generate', 1000);
      let next: number | undefined;
      try {
        const before = generates();
        const running = b.client.callTool(
          { name: 'route_and_generate', arguments: { prompt: 'Say hi.', model: 'llama3.2' } },
          { timeout: 55_000 },
        );
        await expect.poll(generates).toBe(before + 1);
        process.kill(first!, 'SIGSTOP');
        const answered = await running;
        expect(answered.isError, JSON.stringify(answered.content)).not.toBe(true);
        expect(generates()).toBe(before + 2); // sent again, to the next server
        expect(b.stderr()).toMatch(/stopped answering/);
        [next] = sharedPids(runtime);
        expect([first, b.pid]).not.toContain(next);
        const c = await launch('client-c');
        expect(c.stderr()).toContain(`forwarding stdio to the shared server ${next}`);
      } finally {
        fake.setLatency('/api/generate', 0);
        process.kill(first!, 'SIGCONT');
      }
      // resumed: its clients are gone, it exits, and the next server's place is untouched
      await expect.poll(() => isRunning(first!), { timeout: 10_000, interval: 100 }).toBe(false);
      expect(sharedPids(runtime)).toEqual([next]);
      await b.close();
    },
  );
});
