// A damaged or foreign state file as a spawned server and `doctor` see it: kept aside, said so
// once at start, and the server works on (src/orchestrator/storage/integrity.ts).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { run, tempHome } from '../helpers/spawn.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

describe('a state.db that is not a database', () => {
  it('is kept aside byte for byte; the log says so; remember works; doctor warns about the file kept aside', async () => {
    const h = tempHome();
    const garbage = 'this is not a database\n'.repeat(300);
    writeFileSync(join(h, 'state.db'), garbage);
    const s = await stdioServer(h, fake.host);
    try {
      await s.remember('fresh');
      expect(s.stderr()).toMatch(/state\.db was not used: state\.db is not a SQLite database\. It is kept as .*state\.db\.[-\dTZ]+\.damaged \(nothing was deleted\)/);
    } finally {
      await s.close();
    }
    const kept = readdirSync(h).filter((f) => /^state\.db\..*\.damaged$/.test(f));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(h, kept[0]!), 'utf8')).toBe(garbage);
    const doctor = await run(['doctor'], { OLLM_HOME: h, OLLAMA_HOST: fake.host });
    expect(doctor.stdout).toMatch(/✓ State: .*state\.db, .*schema version 2, 1 memory entry/);
    expect(doctor.stdout).toContain(`! State: ${join(h, kept[0]!)} was kept aside`);
  });
});
