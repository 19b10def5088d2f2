/**
 * A new client's first answer when the shared server cannot serve it (issue 55, findings 2 and 3),
 * as the client sees it: spawn → initialize → a `remember` answered. Three cases, each in a fresh
 * runtime folder: nothing in the way (the reference); the shared server suspended (SIGSTOP, the
 * pid its lock names: a client's Ctrl-Z or a debugger when the first launch hosted it); and a lock
 * left by a crash naming a live program that is no server (this process), written an hour ago.
 * Prints each time and whether the call was served through a shared server or by the launch alone.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { runtimeDir, sharedLaunch, sharedPids, socketDir, socketFiles, stopShared } from '../test/helpers/shared.js';
import { tempHome } from '../test/helpers/spawn.js';

type Case = 'free' | 'suspended' | 'reused pid';

async function once(which: Case, host: string): Promise<{ ms: number; how: string }> {
  const runtime = runtimeDir();
  const home = tempHome('shared:\n  idleSeconds: 5\n');
  const launches = [];
  const stopped: number[] = [];
  try {
    if (which !== 'free') {
      const first = await sharedLaunch({ home, ollamaHost: host, runtime, cwd: home, name: 'first' });
      launches.push(first);
      const [server] = sharedPids(runtime);
      if (which === 'suspended') {
        process.kill(server!, 'SIGSTOP');
        stopped.push(server!);
      } else {
        const lock = socketFiles(runtime).find((f) => f.endsWith('.lock'))!;
        await first.close();
        try {
          process.kill(server!, 'SIGKILL'); // a crash (where the first launch hosted it, it is gone with its client)
        } catch {
          // gone already
        }
        await new Promise((r) => setTimeout(r, 300));
        writeFileSync(join(socketDir(runtime), lock), String(process.pid));
        const long = new Date(Date.now() - 3_600_000);
        utimesSync(join(socketDir(runtime), lock), long, long);
      }
    }
    const t0 = performance.now();
    const l = await sharedLaunch({ home, ollamaHost: host, runtime, cwd: home, name: 'next' });
    launches.push(l);
    const r = await l.client.callTool(
      { name: 'remember', arguments: { key: 'editor', value: 'helix' } },
      { timeout: 120_000 },
    );
    const ms = performance.now() - t0;
    const how = r.isError
      ? 'failed'
      : /serving on its own/.test(l.stderr())
        ? 'served by the launch alone'
        : 'served through a shared server';
    return { ms, how };
  } finally {
    for (const pid of stopped) process.kill(pid, 'SIGCONT');
    await Promise.all(launches.map((l) => l.close()));
    stopShared(runtime);
  }
}

export async function benchSharedStall(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
  const lines: string[] = [];
  let ok = true;
  try {
    for (const which of ['free', 'suspended', 'reused pid'] as const) {
      const { ms, how } = await once(which, fake.host);
      if (which !== 'free') ok &&= how === 'served through a shared server' && ms < 15_000;
      lines.push(
        `shared-stall: a new client's first answer, the shared server ` +
          `${which === 'free' ? 'free' : which === 'suspended' ? 'suspended (SIGSTOP)' : 'named by a lock a live program holds (a reused pid)'}: ` +
          `${(ms / 1000).toFixed(1)} s, ${how}`,
      );
    }
  } finally {
    await fake.stop();
  }
  lines.push(`shared-stall: ${ok ? 'OK' : 'MISSED'} (goal: served through a shared server, under 15 s, in both)`);
  return { ok, lines };
}
