// Several server processes on one $OLLM_HOME at once, and servers killed in the middle of writing,
// round after round: seconds of real work, so this runs in `npm run test:slow` (vitest.config.ts).
// It drives stdio servers itself, so it runs over stdio only; shared-files.test.ts has the quick cases.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
const homes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
  await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
});

async function home(): Promise<string> {
  const h = await mkdtemp(join(tmpdir(), 'ollm-shared-e2e-'));
  homes.push(h);
  return h;
}

/** A server over stdio on `home`, talking to this file's fake Ollama. */
const server = (home: string, env: Record<string, string> = {}) => stdioServer(home, fake.host, env);

const keysOnDisk = async (h: string): Promise<Set<string>> =>
  new Set((JSON.parse(await readFile(join(h, 'memory.json'), 'utf8')) as { entries: Array<{ key: string }> }).entries.map((e) => e.key));

describe('shared files across server processes, under load', () => {
  it('3 servers × 200 concurrent remember calls: 600 acknowledged, 600 on disk, none refused', { timeout: 60_000 }, async () => {
    const h = await home();
    const servers = await Promise.all([0, 1, 2].map(() => server(h)));
    try {
      const results = await Promise.allSettled(servers.flatMap((s, n) => Array.from({ length: 200 }, (_, i) => s.remember(`server ${n} fact ${i}`))));
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
      expect(refused.length, refused[0]).toBe(0);
      expect((await keysOnDisk(h)).size).toBe(600);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
    expect(existsSync(join(h, 'memory.json.lock'))).toBe(false); // stdin closed: every server let go of its lock
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`20 rounds: ${signal} a server during a burst of writes, start another at once: its first write succeeds, the file is valid, nothing acknowledged is missing`, { timeout: 180_000 }, async () => {
      const stale = 2000; // the lock library's shortest stale age, so a lock left by SIGKILL expires quickly
      // four folders side by side, five rounds each
      await Promise.all(
        [0, 1, 2, 3].map(async (lane) => {
          const h = await home();
          const acked: string[] = [];
          for (let round = 0; round < 5; round++) {
            const a = await server(h, { OLLM_LOCK_STALE_MS: String(stale) });
            const burst = Array.from({ length: 60 }, (_, i) => a.remember(`lane ${lane} round ${round} a${i}`).then((k) => acked.push(k), () => undefined));
            for (let waited = 0; acked.filter((k) => k.startsWith(`lane ${lane} round ${round} `)).length < 5; waited++) {
              if (waited > 5000) throw new Error(`no write was acknowledged: ${a.stderr()}`);
              await new Promise((r) => setTimeout(r, 2));
            }
            process.kill(a.pid, signal);
            const t0 = performance.now();
            const b = await server(h, { OLLM_LOCK_STALE_MS: String(stale) });
            try {
              acked.push(await b.remember(`lane ${lane} round ${round} b`));
              expect(performance.now() - t0).toBeLessThan(stale + 8000); // start-up plus at most the stale age
            } finally {
              await b.close();
              await Promise.allSettled(burst);
              await a.close();
            }
            const onDisk = await keysOnDisk(h); // parses: the file is valid JSON
            expect(acked.filter((k) => !onDisk.has(k))).toEqual([]);
            // a stopped server leaves no lock behind; a killed one may, until it expires
            if (signal === 'SIGTERM') expect(existsSync(join(h, 'memory.json.lock'))).toBe(false);
          }
        }),
      );
    });
  }
});
