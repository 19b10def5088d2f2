// Waiting for another process's lock (src/orchestrator/storage/busy.ts): asynchronous retries, a
// limit, and an error that names the state database.
import { describe, expect, it } from 'vitest';
import { isBusy, retryBusy, StateLockedError } from '../../src/orchestrator/storage/busy.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('retryBusy', () => {
  it('tries again while the database is busy, letting other work run between tries, and returns the value', async () => {
    let tries = 0;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const value = await retryBusy('/h/state.db', () => {
      if (++tries < 6) throw busy();
      return ticks;
    });
    clearInterval(ticker);
    expect(tries).toBe(6);
    expect(value).toBeGreaterThan(0); // timers ran while it waited
  });

  it('after the limit: a StateLockedError naming the database, how long it waited and what to do', async () => {
    const err = await retryBusy(
      '/h/state.db',
      () => {
        throw busy();
      },
      { limitMs: 60 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateLockedError);
    expect((err as Error).message).toMatch(
      /^The state database \/h\/state\.db is locked by another process \(waited \d+\.\d s\)/,
    );
    expect((err as Error).message).toContain('try again');
    expect((err as Error).message).not.toMatch(/Ollama/);
  });

  it('other failures, and a busy one once the work has started, are thrown at once', async () => {
    let tries = 0;
    const other = await retryBusy('/h/state.db', () => {
      tries++;
      throw new Error('disk I/O error');
    }).catch((e: unknown) => e);
    expect((other as Error).message).toBe('disk I/O error');
    expect(tries).toBe(1);
    tries = 0;
    const started = await retryBusy(
      '/h/state.db',
      () => {
        tries++;
        throw busy();
      },
      { retryable: () => false },
    ).catch((e: unknown) => e);
    expect((started as { code: string }).code).toBe('SQLITE_BUSY');
    expect(tries).toBe(1);
  });

  it('tells once when the wait lasts a moment', async () => {
    let told = 0;
    await retryBusy(
      '/h/state.db',
      () => {
        throw busy();
      },
      { limitMs: 700, onWait: () => told++ },
    ).catch(() => undefined);
    expect(told).toBe(1);
  });
});

describe('isBusy', () => {
  it.each([
    ['SQLITE_BUSY', true],
    ['SQLITE_LOCKED', true],
    ['SQLITE_BUSY_SNAPSHOT', true],
    ['SQLITE_LOCKED_SHAREDCACHE', true],
    ['SQLITE_CORRUPT', false],
    ['SQLITE_BUSYNESS', false],
  ])('%s → %s', (code, expected) => expect(isBusy({ code })).toBe(expected));
  it('not an error with a code', () => expect(isBusy(new Error('x'))).toBe(false));
});
