// Several server processes on one $OLLM_HOME at once, and servers killed in the middle of writing,
// round after round: seconds of real work, so this runs in `npm run test:slow` (vitest.config.ts).
// It drives stdio servers itself, so it runs over stdio only; shared-files.test.ts has the quick cases.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { keysInDb } from '../helpers/state-db.js';
import { tempHome } from '../helpers/spawn.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

/** A settings folder of its own, removed when the file ends (helpers/temp.ts). */
const home = async (): Promise<string> => tempHome();

/** A server over stdio on `home`, talking to this file's fake Ollama. */
const server = (home: string) => stdioServer(home, fake.host);
type Server = Awaited<ReturnType<typeof server>>;

describe('one state database across server processes, under load', () => {
  it(
    '3 servers × 200 concurrent remember calls: 600 acknowledged, 600 stored, none refused',
    { timeout: 60_000 },
    async () => {
      const h = await home();
      const servers = await Promise.all([0, 1, 2].map(() => server(h)));
      try {
        const results = await Promise.allSettled(
          servers.flatMap((s, n) => Array.from({ length: 200 }, (_, i) => s.remember(`server ${n} fact ${i}`))),
        );
        const refused = results
          .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
          .map((r) => String(r.reason));
        expect(refused.length, refused[0]).toBe(0);
        expect(keysInDb(h).size).toBe(600);
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
      // nothing beside the database: no lock files, no temporary files
      expect(readdirSync(h).filter((f) => !/^state\.db(-wal|-shm|-lock)?$/.test(f) && f !== 'templates')).toEqual([]);
    },
  );

  it(
    '3 servers writing at once, 5 rounds: each round one is SIGKILLed mid-burst and a new one ' +
      'starts at once; every acknowledged write is there',
    { timeout: 180_000 },
    async () => {
      const h = await home();
      const acked: string[] = [];
      const servers: Server[] = await Promise.all([0, 1, 2].map(() => server(h)));
      const bursts: Array<Promise<unknown>> = [];
      const burst = (s: Server, tag: string) => {
        const p = Promise.allSettled(
          Array.from({ length: 80 }, (_, i) => s.remember(`${tag} ${i}`).then((k) => acked.push(k))),
        );
        bursts.push(p);
        return p;
      };
      try {
        for (let round = 0; round < 5; round++) {
          const gen = servers.map((s, n) => `round ${round} server ${n} (pid ${s.pid})`);
          servers.forEach((s, n) => void burst(s, gen[n]!));
          const victim = round % 3;
          // kill once the victim has had some writes acknowledged, so it dies in the middle of its burst
          for (let waited = 0; acked.filter((k) => k.startsWith(gen[victim]!)).length < 5; waited++) {
            if (waited > 10_000) throw new Error(`no write was acknowledged: ${servers[victim]!.stderr()}`);
            await new Promise((r) => setTimeout(r, 2));
          }
          process.kill(servers[victim]!.pid, 'SIGKILL');
          const replacement = await server(h);
          // nothing left behind blocks it
          acked.push(await replacement.remember(`round ${round} replacement first write`));
          void servers[victim]!.close();
          servers[victim] = replacement;
          await Promise.all(bursts);
        }
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
      const stored = keysInDb(h);
      expect(acked.length).toBeGreaterThan(5 * 80);
      expect(acked.filter((k) => !stored.has(k))).toEqual([]);
      expect(existsSync(join(h, 'memory.json'))).toBe(false);
    },
  );
});
