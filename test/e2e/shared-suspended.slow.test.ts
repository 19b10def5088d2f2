// A shared server suspended (SIGSTOP) and replaced by the next one, then continued, leaves the next
// one's files alone when it exits: its socket (Node unlinks a socket by the name it was bound to
// when it closes — start.ts binds under a name of its own and renames), its lock, and the log both
// may write (opened for appending, never truncated under a writer: no NUL bytes). A server alone
// still removes all of its own files (issue 61, item 9).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { CLI, serverEnv, tempHome } from '../helpers/spawn.js';
import {
  isRunning,
  runtimeDir,
  servedBy,
  sharedLaunch,
  sharedPids,
  socketDir,
  socketFiles,
  stopShared,
} from '../helpers/shared.js';

let fake: FakeOllama;
const runtime = runtimeDir();
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  stopShared(runtime);
  await fake?.stop();
});

describe('a shared server suspended, replaced, then continued', () => {
  it(
    'exits leaving the next server its socket, lock and log: `ollm-mcp shared` lists it, new ' +
      'launches reach it; alone, the next one removes all its files',
    { timeout: 90_000 },
    async () => {
      const home = tempHome('shared:\n  idleSeconds: 1\n');
      const launch = (name: string) => sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
      const b = await launch('client-b');
      const first = servedBy(b);
      expect(first).toBeGreaterThan(0);
      let next = 0;
      let c: Awaited<ReturnType<typeof launch>> | undefined;
      process.kill(first, 'SIGSTOP');
      try {
        c = await launch('client-c'); // the first does not answer its hello: the next server takes the place
        next = servedBy(c);
        expect([0, first]).not.toContain(next);
        expect((await c.client.callTool({ name: 'recall', arguments: { query: 'x' } })).isError).not.toBe(true);
        await b.close();
      } finally {
        process.kill(first, 'SIGCONT');
      }
      // continued with no client left: it exits after its idle wait
      await expect.poll(() => isRunning(first), { timeout: 20_000, interval: 100 }).toBe(false);
      expect(sharedPids(runtime)).toEqual([next]);
      expect(socketFiles(runtime).filter((f) => f.endsWith('.sock'))).toHaveLength(1);
      const listed = spawnSync(process.execPath, [CLI, 'shared'], {
        env: serverEnv({ OLLM_HOME: home, OLLM_SHARED: '1', OLLM_TEST_RUNTIME_DIR: runtime }),
        cwd: home,
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(listed.stdout).toContain(String(next));
      const d = await launch('client-d');
      expect(servedBy(d)).toBe(next);
      // both wrote the one log: every line whole, nothing overwritten, no hole of NUL bytes
      for (const log of socketFiles(runtime).filter((f) => f.endsWith('.log'))) {
        const text = readFileSync(join(socketDir(runtime), log), 'utf8');
        expect(text.includes('\0'), text).toBe(false);
        expect(
          text.split('\n').filter((line) => line && !line.startsWith('[ollm-mcp] ')),
          text,
        ).toEqual([]);
      }
      // the next one, alone, removes everything of its own when its clients have left
      await Promise.all([c!.close(), d.close()]);
      await expect.poll(() => isRunning(next), { timeout: 20_000, interval: 100 }).toBe(false);
      expect(socketFiles(runtime)).toEqual([]);
    },
  );
});
