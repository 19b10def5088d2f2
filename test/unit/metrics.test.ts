import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricsStore } from '../../src/orchestrator/generation/metrics.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ollm-metrics-'));
  file = join(dir, 'metrics.json');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('MetricsStore', () => {
  it('averages over the right populations', async () => {
    const s = new MetricsStore(file);
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
    const s = new MetricsStore(file, { flushDelayMs: 60_000 });
    s.record({ model: 'a', ok: true, latencyMs: 10 });
    expect(s.get('a')?.requests).toBe(1);
    expect(s.all()).toHaveProperty('a');
    await expect(readFile(file)).rejects.toThrow();
    await s.flush();
    s.record({ model: 'a', ok: true, latencyMs: 30 });
    expect(s.get('a')).toMatchObject({ requests: 2, avgLatencyMs: 20 });
    await s.close();
  });

  it('persists across instances and combines averages from sums', async () => {
    const a = new MetricsStore(file);
    a.record({ model: 'm', ok: true, latencyMs: 100 });
    await a.close();
    const b = new MetricsStore(file);
    await b.load();
    expect(b.get('m')).toMatchObject({ requests: 1, avgLatencyMs: 100 });
    b.record({ model: 'm', ok: true, latencyMs: 400 });
    b.record({ model: 'm', ok: true, latencyMs: 400 });
    await b.close();
    const c = new MetricsStore(file);
    await c.load();
    expect(c.get('m')).toMatchObject({ requests: 3, successes: 3, avgLatencyMs: 300 });
  });

  it("learns the host's load speed from every model's loads, kept across instances", async () => {
    const a = new MetricsStore(file);
    expect(a.loadSpeed()).toEqual({ bytesPerSecond: 200e6, measured: false });
    a.recordLoad('big', 8e9, 16_000);
    a.recordLoad('small', 2e9, 4_000);
    a.recordLoad('bad', Number.NaN, 1000); // ignored
    expect(a.loadSpeed()).toEqual({ bytesPerSecond: 500e6, measured: true });
    expect(a.get('big')).toMatchObject({ requests: 0 }); // a load is not a request
    await a.close();
    const b = new MetricsStore(file);
    await b.load();
    expect(b.loadSpeed()).toEqual({ bytesPerSecond: 500e6, measured: true });
    b.record({ model: 'big', ok: true, latencyMs: 100 });
    await b.close();
    const c = new MetricsStore(file);
    await c.load();
    expect(c.loadSpeed().bytesPerSecond).toBe(500e6);
    expect(c.get('big')).toMatchObject({ requests: 1 });
  });

  it('flushes on its own after the debounce delay', async () => {
    const s = new MetricsStore(file, { flushDelayMs: 10 });
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await vi.waitFor(async () => expect(JSON.parse(await readFile(file, 'utf8')).models.m.requests).toBe(1));
    await s.close();
  });

  it('two instances on one file flushing interleaved lose nothing', async () => {
    const a = new MetricsStore(file, { flushDelayMs: 1 });
    const b = new MetricsStore(file, { flushDelayMs: 1 });
    const rounds = 8, per = 25;
    const work = (s: MetricsStore, ok: boolean) => (async () => {
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < per; i++) s.record({ model: i % 2 ? 'x' : 'y', ok, latencyMs: 10 });
        await Promise.all([s.flush(), new Promise((res) => setTimeout(res, Math.random() * 5))]);
      }
      await s.close();
    })();
    await Promise.all([work(a, true), work(b, false)]);
    const c = new MetricsStore(file);
    await c.load();
    const all = c.all();
    const total = rounds * per * 2;
    expect(all.x!.requests + all.y!.requests).toBe(total);
    expect(all.x!.successes + all.y!.successes).toBe(total / 2);
    expect(all.x!.failures + all.y!.failures).toBe(total / 2);
    // whichever instance flushed last has seen everything, the other's counts included
    const seen = (s: MetricsStore) => s.get('x')!.requests + s.get('y')!.requests;
    expect(Math.max(seen(a), seen(b))).toBe(total);
    expect((await readdir(dir)).sort()).toEqual(['metrics.json']);
  });

  it('separate processes on one file lose nothing', async () => {
    const mod = resolve('src/orchestrator/generation/metrics.ts');
    const script = `import { MetricsStore } from ${JSON.stringify(mod)};
      const s = new MetricsStore(${JSON.stringify(file)}, { flushDelayMs: 1 });
      for (let r = 0; r < 10; r++) { for (let i = 0; i < 20; i++) s.record({ model: 'p', ok: true, latencyMs: 5 }); await s.flush(); }
      await s.close();`;
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    await Promise.all([run(), run(), run()]);
    const c = new MetricsStore(file);
    await c.load();
    expect(c.get('p')).toMatchObject({ requests: 600, successes: 600, avgLatencyMs: 5 });
  });

  it('salvages a cut-off file: whole models stay, the original text is kept aside, and it is reported', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const cut = '{"models": {"b": {"requests": 4, "successes": 4}, "a": {"requ';
    await writeFile(file, cut);
    const s = new MetricsStore(file);
    await s.load();
    expect(s.get('b')).toMatchObject({ requests: 4, successes: 4 });
    const files = await readdir(dir);
    const aside = files.find((f) => f.startsWith('metrics.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(JSON.parse(await readFile(join(dir, aside!), 'utf8')).text).toBe(cut);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/warn: metrics: .*was damaged .*corrupt-/);
    s.record({ model: 'a', ok: true, latencyMs: 1 });
    await s.close();
    const models = JSON.parse(await readFile(file, 'utf8')).models;
    expect([models.a.requests, models.b.requests]).toEqual([1, 4]);
  });

  it('treats a file of the wrong shape as corrupt too', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await writeFile(file, '[1, 2, 3]');
    const s = new MetricsStore(file);
    s.record({ model: 'a', ok: true, latencyMs: 1 });
    await s.flush();
    expect((await readdir(dir)).some((f) => f.startsWith('metrics.json.corrupt-'))).toBe(true);
    expect(s.get('a')?.requests).toBe(1);
    await s.close();
  });

  it('creates a missing folder', async () => {
    const deep = join(dir, 'a', 'b', 'metrics.json');
    const s = new MetricsStore(deep);
    await s.load();
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await s.close();
    expect(JSON.parse(await readFile(deep, 'utf8')).models.m.requests).toBe(1);
  });

  it('waits for a held lock, takes over a stale one, and clears a lock file left by an older version', async () => {
    const lock = `${file}.lock`;
    await mkdir(lock);
    const s = new MetricsStore(file);
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    const flushed = s.flush();
    setTimeout(() => void rm(lock, { recursive: true, force: true }), 100);
    await flushed;
    expect(JSON.parse(await readFile(file, 'utf8')).models.m.requests).toBe(1);

    const old = new Date(Date.now() - 60_000);
    await mkdir(lock);
    await utimes(lock, old, old); // its holder died long ago: nobody refreshes it
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await s.flush();
    expect(JSON.parse(await readFile(file, 'utf8')).models.m.requests).toBe(2);

    await writeFile(lock, 'a lock file of the earlier format');
    await utimes(lock, old, old);
    s.record({ model: 'm', ok: true, latencyMs: 1 });
    await s.close();
    expect(JSON.parse(await readFile(file, 'utf8')).models.m.requests).toBe(3);
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps deltas when a flush fails and never throws from record()', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await writeFile(join(dir, 'blocker'), 'a file, not a folder');
    const bad = new MetricsStore(join(dir, 'blocker', 'metrics.json'));
    bad.record({ model: 'm', ok: true, latencyMs: 1 });
    expect(() => bad.record(null as never)).not.toThrow();
    await bad.flush();
    expect(bad.get('m')?.requests).toBe(1);
    await bad.close();
  });
});
