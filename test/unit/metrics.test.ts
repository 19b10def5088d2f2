import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricsStore } from '../../src/orchestrator/stores/metrics.js';
import { tempDir } from '../helpers/temp.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('ollm-metrics-');
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The metrics rows of a home's database as another connection reads them (what another process sees). */
function stored(home = dir): Record<string, Record<string, unknown>> {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    const rows = db.prepare("SELECT key, json FROM sums WHERE store = 'metrics'").all() as Array<{
      key: string;
      json: string;
    }>;
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.json) as Record<string, unknown>]));
  } finally {
    db.close();
  }
}

/**
 * A process holding the write lock of the home's database (BEGIN IMMEDIATE, writing the row `key`) until it
 * is killed or `holdMs` passed, then committing.
 */
function lockHolder(home: string, holdMs: number, key: string) {
  const script = `const Database = require('libsql');
    const db = new Database(${JSON.stringify(join(home, 'state.db'))});
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO sums (store, key, json) VALUES ('metrics', '${key}', '{\\"requests\\":1,\\"lastUsed\\":\\"2026-01-01T00:00:00.000Z\\"}')").run();
    console.log('held');
    setTimeout(() => { db.exec('COMMIT'); console.log('released'); }, ${holdMs});`;
  const p = spawn(process.execPath, ['-e', script], { cwd: resolve('.'), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const held = new Promise<void>((res, rej) => {
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('held')) res();
    });
    p.on('exit', () => rej(new Error(`the lock holder ended early: ${out}`)));
  });
  const exited = new Promise<string>((res) => p.on('exit', () => res(out)));
  return { held, exited, kill: () => p.kill('SIGKILL') };
}

describe('MetricsStore', () => {
  it('averages over the right populations', async () => {
    const s = new MetricsStore(dir);
    s.record({ model: 'a', ok: true, latencyMs: 100, tokensPerSecond: 10, loadMs: 50, at: 1000 });
    s.record({ model: 'a', ok: true, latencyMs: 300, outputTokens: 40, at: 3000 }); // 40 tokens / 0.3 s
    s.record({ model: 'a', ok: true, latencyMs: 200, at: 2000 }); // no tokens reported
    s.record({ model: 'a', ok: false, latencyMs: 9999, loadMs: 150, error: 'boom', at: 2500 });
    const m = s.get('a')!;
    expect(m).toMatchObject({ requests: 4, successes: 3, failures: 1, loads: 2, lastError: 'boom' });
    expect(m.avgLatencyMs).toBe(200);
    expect(m.avgTokensPerSecond).toBeCloseTo((10 + 40 / 0.3) / 2);
    expect(m.avgLoadMs).toBe(100);
    expect(m.lastUsed).toBe(new Date(3000).toISOString());
    expect(s.get('nope')).toBeUndefined();
    await s.close();
  });

  it('get() and all() include unflushed records, then the same after flush', async () => {
    const s = new MetricsStore(dir, { flushDelayMs: 60_000 });
    s.record({ model: 'a', ok: true, latencyMs: 10 });
    expect(s.get('a')?.requests).toBe(1);
    expect(s.all()).toHaveProperty('a');
    expect(existsSync(join(dir, 'state.db'))).toBe(false); // nothing written yet
    await s.flush();
    expect(stored().a).toMatchObject({ requests: 1, latencySumMs: 10, latencyCount: 1 });
    s.record({ model: 'a', ok: true, latencyMs: 30 });
    expect(s.get('a')).toMatchObject({ requests: 2, avgLatencyMs: 20 });
    await s.close();
    expect(stored().a).toMatchObject({ requests: 2, latencySumMs: 40 });
  });

  it('persists across instances and combines averages from sums', async () => {
    const a = new MetricsStore(dir);
    a.record({ model: 'm', ok: true, latencyMs: 100 });
    await a.close();
    const b = new MetricsStore(dir);
    await b.load();
    expect(b.get('m')).toMatchObject({ requests: 1, avgLatencyMs: 100 });
    b.record({ model: 'm', ok: true, latencyMs: 400 });
    b.record({ model: 'm', ok: true, latencyMs: 400 });
    await b.close();
    const c = new MetricsStore(dir);
    await c.load();
    expect(c.get('m')).toMatchObject({ requests: 3, successes: 3, avgLatencyMs: 300 });
  });

  it("learns the host's load speed from every model's loads, kept across instances", async () => {
    const a = new MetricsStore(dir);
    expect(a.loadSpeed()).toEqual({ bytesPerSecond: 200e6, measured: false });
    a.recordLoad('big', 8e9, 16_000);
    a.recordLoad('small', 2e9, 4_000);
    a.recordLoad('bad', Number.NaN, 1000); // ignored
    expect(a.loadSpeed()).toEqual({ bytesPerSecond: 500e6, measured: true });
    expect(a.get('big')).toMatchObject({ requests: 0 }); // a load is not a request
    await a.close();
    const b = new MetricsStore(dir);
    await b.load();
    expect(b.loadSpeed()).toEqual({ bytesPerSecond: 500e6, measured: true });
    b.record({ model: 'big', ok: true, latencyMs: 100 });
    await b.close();
    const c = new MetricsStore(dir);
    await c.load();
    expect(c.loadSpeed().bytesPerSecond).toBe(500e6);
    expect(c.get('big')).toMatchObject({ requests: 1 });
  });

  it('flushes on its own after the debounce delay', async () => {
    const s = new MetricsStore(dir, { flushDelayMs: 10 });
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await vi.waitFor(() => expect(existsSync(join(dir, 'state.db')) && stored().m).toMatchObject({ requests: 1 }));
    await s.close();
  });

  it('two instances on one database flushing interleaved lose nothing', async () => {
    const a = new MetricsStore(dir, { flushDelayMs: 1 });
    const b = new MetricsStore(dir, { flushDelayMs: 1 });
    const rounds = 8,
      per = 25;
    const work = (s: MetricsStore, ok: boolean) =>
      (async () => {
        for (let r = 0; r < rounds; r++) {
          for (let i = 0; i < per; i++) s.record({ model: i % 2 ? 'x' : 'y', ok, latencyMs: 10 });
          await Promise.all([s.flush(), new Promise((res) => setTimeout(res, Math.random() * 5))]);
        }
        await s.close();
      })();
    await Promise.all([work(a, true), work(b, false)]);
    const c = new MetricsStore(dir);
    await c.load();
    const all = c.all();
    const total = rounds * per * 2;
    expect(all.x!.requests + all.y!.requests).toBe(total);
    expect(all.x!.successes + all.y!.successes).toBe(total / 2);
    expect(all.x!.failures + all.y!.failures).toBe(total / 2);
    // whichever instance flushed last has seen everything, the other's counts included
    const seen = (s: MetricsStore) => s.get('x')!.requests + s.get('y')!.requests;
    expect(Math.max(seen(a), seen(b))).toBe(total);
    expect((await readdir(dir)).filter((f) => !f.startsWith('state.db'))).toEqual([]); // no lock or temp file
  });

  it('separate processes on one database lose nothing', async () => {
    const mod = resolve('src/orchestrator/stores/metrics.ts');
    const script = `import { MetricsStore } from ${JSON.stringify(mod)};
      const s = new MetricsStore(${JSON.stringify(dir)}, { flushDelayMs: 1 });
      for (let r = 0; r < 10; r++) { for (let i = 0; i < 20; i++) s.record({ model: 'p', ok: true, latencyMs: 5 }); await s.flush(); }
      await s.close();`;
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    await Promise.all([run(), run(), run()]);
    const c = new MetricsStore(dir);
    await c.load();
    expect(c.get('p')).toMatchObject({ requests: 600, successes: 600, avgLatencyMs: 5 });
    expect(stored().p).toMatchObject({ requests: 600, latencySumMs: 3000 });
  }, 60_000);

  it('imports a cut-off metrics.json once: whole models are kept, the backup keeps every byte, and the log says so', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const file = join(dir, 'metrics.json');
    const cut = '{"models": {"b": {"requests": 4, "successes": 4}, "a": {"requ';
    await writeFile(file, cut);
    const s = new MetricsStore(dir, { legacyFile: file });
    await s.load();
    expect(s.get('b')).toMatchObject({ requests: 4, successes: 4 });
    expect(existsSync(file)).toBe(false);
    expect(await readFile(`${file}.imported-backup`, 'utf8')).toBe(cut);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
      /metrics: imported \d+ entries from .*metrics\.json into the state database \(\d+ unreadable, kept in the backup\); the file is kept as .*metrics\.json\.imported-backup/,
    );
    s.record({ model: 'a', ok: true, latencyMs: 1 });
    await s.close();
    const rows = stored();
    expect([rows.a!.requests, rows.b!.requests]).toEqual([1, 4]);
    const again = new MetricsStore(dir, { legacyFile: file });
    await again.load();
    expect(again.get('b')).toMatchObject({ requests: 4 }); // not added twice
  });

  it('a metrics.json of the wrong shape imports nothing and is kept whole', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const file = join(dir, 'metrics.json');
    await writeFile(file, '[1, 2, 3]');
    const s = new MetricsStore(dir, { legacyFile: file });
    s.record({ model: 'a', ok: true, latencyMs: 1 });
    await s.flush();
    expect(await readFile(`${file}.imported-backup`, 'utf8')).toBe('[1, 2, 3]');
    expect(Object.keys(stored())).toEqual(['a']);
    expect(s.get('a')?.requests).toBe(1);
    await s.close();
  });

  it('creates a missing folder', async () => {
    const deep = join(dir, 'a', 'b');
    const s = new MetricsStore(deep);
    await s.load();
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await s.close();
    expect(stored(deep).m).toMatchObject({ requests: 1 });
  });

  it('waits for another process’s write instead of failing, and a lock whose holder was killed is gone with it', async () => {
    const s = new MetricsStore(dir);
    await s.load(); // the database and its tables exist
    const holder = lockHolder(dir, 300, 'held');
    await holder.held;
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await s.flush(); // waits (busy timeout) until the holder commits
    expect(await holder.exited).toContain('released');
    expect(stored()).toMatchObject({ m: { requests: 1 }, held: { requests: 1 } });

    const killed = lockHolder(dir, 60_000, 'killed');
    await killed.held;
    killed.kill(); // dies holding the lock: the kernel releases it, and its transaction is rolled back
    await killed.exited;
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await s.close();
    const rows = stored();
    expect(rows).toMatchObject({ m: { requests: 2 }, held: { requests: 1 } });
    expect(rows.killed).toBeUndefined(); // the killed holder's write never happened
  }, 30_000);

  it('keeps deltas when a flush fails, writes them once it can, and never throws from record()', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const home = join(dir, 'blocker');
    await writeFile(home, 'a file, not a folder');
    const bad = new MetricsStore(home);
    bad.record({ model: 'm', ok: true, latencyMs: 1 });
    expect(() => bad.record(null as never)).not.toThrow();
    await bad.flush();
    expect(bad.get('m')?.requests).toBe(1);
    await rm(home);
    await mkdir(home);
    await bad.close();
    expect(stored(home).m).toMatchObject({ requests: 1 });
  });
});
