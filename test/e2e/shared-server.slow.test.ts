// `ollm-mcp daemon`, the shared server run on its own, waits real seconds before its idle exit:
// launches forward to it while it runs; after the last client leaves, it exits within
// shared.idleSeconds and leaves nothing behind in its folder, and the next launch hosts the server
// itself. And a host stopped by its client (SIGTERM, two seconds after its stdin closed) while
// another client's call runs there longer: the call is sent to the next server, not answered with
// "stopping" (shared-server.test.ts: the rest).
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
  it('serves every launch while it runs, exits shared.idleSeconds after its last client leaves, socket and lock removed; the next launch hosts the server', { timeout: 30_000 }, async () => {
    const home = tempHome('shared:\n  idleSeconds: 1\n');
    const env = serverEnv({ OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_SHARED: '1', XDG_RUNTIME_DIR: runtime });
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
    expect(sharedPids(runtime)).toEqual([c.pid]);
    await c.close();
  });

  it("a host stopped while another client's call runs there: the call is sent to the next host and answered there", { timeout: 30_000 }, async () => {
    const home = tempHome();
    const launch = (name: string) => sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
    const a = await launch('client-a');
    const b = await launch('client-b');
    expect(sharedPids(runtime)).toEqual([a.pid]);
    expect((await b.client.callTool({ name: 'smart_load', arguments: { model: 'llama3.2' } })).isError).not.toBe(true);
    const generates = () => fake.requests.filter((r) => r.path === '/api/generate').length;
    fake.setLatency('/api/generate', 3000);
    try {
      const before = generates();
      const running = b.client.callTool({ name: 'route_and_generate', arguments: { prompt: 'Say hi.', model: 'llama3.2' } });
      await expect.poll(generates).toBe(before + 1);
      await a.close(); // closes A's stdin, then SIGTERM two seconds later, before B's call is answered
      expect(isRunning(a.pid)).toBe(false);
      const answered = await running;
      expect(answered.isError, JSON.stringify(answered.content)).not.toBe(true);
      expect(generates()).toBe(before + 2); // sent again, to B's host
      expect(sharedPids(runtime)).toEqual([b.pid]);
    } finally {
      fake.setLatency('/api/generate', 0);
    }
    await b.close();
  });
});
