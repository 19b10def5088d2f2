/**
 * A started server gets ready for its first call while it waits for it (orchestrator/ready-ahead.ts):
 * the state database is opened — and the classifier's patterns compiled, which only time shows
 * (`npm run bench -- first-call`). Stopped first, or told OLLM_READY_AHEAD=0, it opens nothing. The
 * built server's start is in test/e2e/ready-ahead.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readyAhead, READY_AHEAD_DELAY_MS } from '../../src/orchestrator/ready-ahead.js';
import { closeStateDbs } from '../../src/orchestrator/storage/db.js';
import { tempDir } from '../helpers/temp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(20)) if (check()) return true;
  return check();
}

afterEach(async () => {
  await closeStateDbs();
});

describe('ready ahead of the first call', () => {
  it('opens the state database while nothing is asked', async () => {
    const home = tempDir('ollm-ready-');
    const stop = readyAhead(home, {});
    try {
      expect(await until(() => existsSync(join(home, 'state.db')), 5000)).toBe(true);
    } finally {
      stop();
    }
  });

  it('stopped before it began, or told OLLM_READY_AHEAD=0, opens nothing', async () => {
    const stopped = tempDir('ollm-ready-');
    readyAhead(stopped, {})();
    const off = tempDir('ollm-ready-');
    const stopOff = readyAhead(off, { OLLM_READY_AHEAD: '0' });
    // a home that is ready ahead beside them: they had the time to open theirs
    const beside = tempDir('ollm-ready-');
    const stopBeside = readyAhead(beside, {});
    try {
      expect(await until(() => existsSync(join(beside, 'state.db')), 5000)).toBe(true);
      await sleep(READY_AHEAD_DELAY_MS);
      expect(existsSync(join(stopped, 'state.db'))).toBe(false);
      expect(existsSync(join(off, 'state.db'))).toBe(false);
    } finally {
      stopOff();
      stopBeside();
    }
  });
});
