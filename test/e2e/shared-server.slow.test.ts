// The shared server's idle exit waits real seconds: after the last client leaves, the server exits
// within shared.idleSeconds and leaves nothing behind in its folder (shared-server.test.ts: the rest).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { tempHome } from '../helpers/spawn.js';
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

describe('the shared server when idle', () => {
  it('exits shared.idleSeconds after its last client leaves, socket and lock removed; a new launch starts a new one', { timeout: 30_000 }, async () => {
    const home = tempHome('shared:\n  idleSeconds: 1\n');
    const launch = (name: string) => sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
    const a = await launch('client-a');
    const b = await launch('client-b');
    const server = sharedPids(runtime)[0]!;
    await a.close();
    await new Promise((r) => setTimeout(r, 1500));
    expect(isRunning(server)).toBe(true); // b is still connected
    await b.close();
    await expect.poll(() => isRunning(server), { timeout: 10_000, interval: 100 }).toBe(false);
    expect(socketFiles(runtime)).toEqual([]);
    const c = await launch('client-c');
    expect((await c.client.callTool({ name: 'recall', arguments: { query: 'x' } })).isError).not.toBe(true);
    expect(sharedPids(runtime)).toHaveLength(1);
    expect(sharedPids(runtime)[0]).not.toBe(server);
    await c.close();
  });
});
