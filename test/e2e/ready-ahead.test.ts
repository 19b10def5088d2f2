/**
 * The built server gets ready for its first call while it waits for it (orchestrator/ready-ahead.ts,
 * begun with the core soon after start): its state database is opened before any call.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a started server, ready ahead', () => {
  it('opens its state database before its first call', { timeout: 30_000 }, async () => {
    const fake = await FakeOllama.start();
    const home = tempHome('');
    const session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_SHARED: '0' });
    try {
      let opened = existsSync(join(home, 'state.db'));
      for (const end = Date.now() + 10_000; !opened && Date.now() < end; await sleep(20))
        opened = existsSync(join(home, 'state.db'));
      expect(opened).toBe(true);
    } finally {
      await session.close();
      await fake.stop();
    }
  });
});
