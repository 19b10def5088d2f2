// `ollm-mcp daemon`, the shared server run on its own, waits real seconds before its idle exit:
// launches forward to it while it runs; after the last client leaves, it exits within
// shared.idleSeconds and leaves nothing behind in its folder, and the next launch hosts the server
// itself (shared-server.test.ts: the rest).
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
});
