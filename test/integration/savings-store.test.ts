import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'libsql';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { priceCall, type CallTokens, type Prices } from '../../src/orchestrator/savings/ledger.js';
import { SavingsStore, type SavingsSummary } from '../../src/orchestrator/stores/savings-store.js';
import { registerMetrics } from '../../src/resources/metrics.js';
import { showStatusTool } from '../../src/tools/show-status.js';
import { renderSavings } from '../../src/tools/status-text.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';

const PRICES: Prices = { inputPerMillion: 3, outputPerMillion: 15, currency: '$' };
/** The 60 KB log read by path: 560 tokens of call, 15,500 done yourself; saves 14,940 tokens and $0.0501. */
const LOG: CallTokens = {
  argsTokens: 60,
  resultTokens: 500,
  inputTokens: 15_000,
  answerTokens: 500,
  localPromptTokens: 15_100,
  localOutputTokens: 480,
  inputsByReference: 14_900,
};
/** Pasted inline: saves 0 tokens and loses $0.1752. */
const PASTE: CallTokens = { ...LOG, argsTokens: 15_100, inputTokens: 15_100, inputsByReference: 0 };
const DAY1 = Date.UTC(2025, 0, 31, 23, 59);
const DAY2 = Date.UTC(2025, 1, 1, 0, 1);

const homeDir = () => tempDir('ollm-savings-');
const fresh = async (home: string) => {
  const s = new SavingsStore(home, PRICES);
  await s.load();
  return s;
};
/** The ledger's rows as another connection reads them (what another process sees), by [day, model, task]. */
function stored(home: string): Array<{ key: [string, string, string]; cell: Record<string, number> }> {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    const rows = db.prepare("SELECT key, json FROM sums WHERE store = 'savings' ORDER BY key").all() as Array<{
      key: string;
      json: string;
    }>;
    return rows.map((r) => ({
      key: JSON.parse(r.key) as [string, string, string],
      cell: JSON.parse(r.json) as Record<string, number>,
    }));
  } finally {
    db.close();
  }
}

let fake: FakeOllama | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await fake?.stop();
  fake = undefined;
});

describe('SavingsStore', () => {
  it('sums by day (UTC), model and task, with the prices in effect', async () => {
    const s = new SavingsStore(homeDir(), PRICES, { flushDelayMs: 60_000 });
    s.recordCall(LOG, { model: 'qwen2.5-coder:7b', task: 'code', at: DAY1 });
    s.recordCall(LOG, { model: 'llama3.2:latest', task: 'summarize', at: DAY2 });
    s.record({ ...priceCall(PASTE, PRICES), model: 'llama3.2:latest', task: 'summarize', at: DAY2 });
    const sum = s.summary({ now: DAY2 });
    expect(sum.prices).toEqual(PRICES);
    expect(sum.total).toEqual({
      calls: 3,
      local: { in: 45_300, out: 1_440 },
      call: { in: 1_500, out: 15_220, money: 0.2328 },
      self: { in: 45_100, out: 1_500, money: 0.1578 },
      savedTokens: 2 * 14_940,
      savedMoney: -0.075,
    });
    expect(sum.today).toMatchObject({ day: '2025-02-01', calls: 2, savedTokens: 14_940, savedMoney: -0.1251 });
    expect(sum.byDay.map((d) => [d.day, d.calls])).toEqual([
      ['2025-02-01', 2],
      ['2025-01-31', 1],
    ]);
    expect(sum.byModel.map((m) => [m.model, m.calls, m.savedMoney])).toEqual([
      ['qwen2.5-coder:7b', 1, 0.0501],
      ['llama3.2:latest', 2, -0.1251],
    ]);
    expect(sum.byTask.map((t) => [t.task, t.savedTokens])).toEqual([
      ['code', 14_940],
      ['summarize', 14_940],
    ]);
    expect(s.summary({ now: DAY2, days: 1 }).byDay).toHaveLength(1);
    expect(s.summary({ now: Date.UTC(2030, 0, 1) }).today).toMatchObject({
      day: '2030-01-01',
      calls: 0,
      savedTokens: 0,
    });
    await s.close();
  });

  it('keeps its sums across a restart, and the database says what it holds', async () => {
    const home = homeDir();
    const a = new SavingsStore(home, PRICES);
    a.recordCall(LOG, { model: 'phi3:mini', task: 'general', at: DAY1 });
    await a.close();
    const b = await fresh(home);
    expect(b.summary().total).toMatchObject({ calls: 1, savedTokens: 14_940, savedMoney: 0.0501 });
    b.recordCall(LOG, { model: 'phi3:mini', task: 'general', at: DAY1 });
    await b.close();
    const c = await fresh(home);
    expect(c.summary().byModel).toEqual([
      expect.objectContaining({ model: 'phi3:mini', calls: 2, savedTokens: 29_880, savedMoney: 0.1002 }),
    ]);
    expect(stored(home)).toEqual([
      {
        key: ['2025-01-31', 'phi3:mini', 'general'],
        cell: expect.objectContaining({ calls: 2, selfIn: 30_000, callOut: 120, savedTokens: 29_880 }),
      },
    ]);
  });

  it('two stores on one folder recording and flushing at once lose nothing', async () => {
    const home = homeDir();
    const a = new SavingsStore(home, PRICES, { flushDelayMs: 1 });
    const b = new SavingsStore(home, PRICES, { flushDelayMs: 1 });
    const rounds = 6,
      per = 20;
    const work = (s: SavingsStore, model: string) =>
      (async () => {
        for (let r = 0; r < rounds; r++) {
          for (let i = 0; i < per; i++)
            s.recordCall(LOG, { model, task: i % 2 ? 'code' : 'general', at: i % 3 ? DAY1 : DAY2 });
          await Promise.all([s.flush(), new Promise((res) => setTimeout(res, Math.random() * 5))]);
        }
        await s.close();
      })();
    await Promise.all([work(a, 'a'), work(b, 'b')]);
    const total = (await fresh(home)).summary().total;
    const n = 2 * rounds * per;
    expect(total.calls).toBe(n);
    expect(total.savedTokens).toBe(n * 14_940);
    expect(total.savedMoney).toBeCloseTo(n * 0.0501, 9);
    expect(Math.max(a.summary().total.calls, b.summary().total.calls)).toBe(n); // the last to flush saw both
    expect((await readdir(home)).filter((f) => !f.startsWith('state.db'))).toEqual([]); // no lock or temp file
  });

  it('separate processes on one database add up', async () => {
    const home = homeDir();
    const mod = resolve('src/orchestrator/stores/savings-store.ts');
    const script = `import { SavingsStore } from ${JSON.stringify(mod)};
      const s = new SavingsStore(${JSON.stringify(home)}, ${JSON.stringify(PRICES)}, { flushDelayMs: 1 });
      for (let r = 0; r < 5; r++) { for (let i = 0; i < 10; i++) s.recordCall(${JSON.stringify(LOG)}, { model: 'p', task: 'code' }); await s.flush(); }
      await s.close();`;
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    await Promise.all([run(), run(), run()]);
    expect((await fresh(home)).summary().total).toMatchObject({ calls: 150, savedTokens: 150 * 14_940 });
  }, 60_000);

  it('imports a damaged savings.json once: valid cells are kept, the backup keeps every byte', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const home = homeDir();
    const file = join(home, 'savings.json');
    const good = {
      calls: 2,
      selfIn: 30_000,
      selfOut: 1_000,
      savedTokens: 29_880,
      savedMoney: 0.1002,
      callIn: 1_000,
      callOut: 120,
    };
    const text = JSON.stringify({
      version: 1,
      days: {
        '2025-01-31': { m: { code: good, bad: 'not a cell', none: { calls: 0 } } },
        'not-a-day': {},
        '2025-02-01': ['x'],
      },
    });
    await writeFile(file, text);
    const s = new SavingsStore(home, PRICES, { legacyFile: file });
    await s.load();
    expect(s.summary().total).toMatchObject({
      calls: 2,
      savedTokens: 29_880,
      savedMoney: 0.1002,
      call: { in: 1_000, out: 120 },
    });
    expect(existsSync(file)).toBe(false);
    expect(await readFile(`${file}.imported-backup`, 'utf8')).toBe(text);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
      /savings: imported 1 entries from .*savings\.json into the state database \(4 unreadable, kept in the backup\)/,
    );
    s.recordCall(LOG, { model: 'm', task: 'code', at: DAY1 });
    await s.close();
    expect((await fresh(home)).summary().total.calls).toBe(3);
    expect(stored(home).map((r) => [r.key, r.cell.calls])).toEqual([[['2025-01-31', 'm', 'code'], 3]]);
  });

  it('a model or task named "__proto__" is an ordinary key', async () => {
    const home = homeDir();
    const s = new SavingsStore(home, PRICES);
    s.recordCall(LOG, { model: '__proto__', task: '__proto__', at: DAY1 });
    s.recordCall(LOG, { model: 'constructor', task: 'toString', at: DAY1 });
    await s.close();
    const sum = (await fresh(home)).summary();
    expect(sum.byModel.map((m) => m.model).sort()).toEqual(['__proto__', 'constructor']);
    expect(sum.byTask.map((t) => t.task).sort()).toEqual(['__proto__', 'toString']);
    expect(sum.total.calls).toBe(2);
    expect(({} as Record<string, unknown>).calls).toBeUndefined();
  });

  it('keeps its deltas when a flush fails, writes them once it can, and record() never throws', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const home = join(homeDir(), 'blocker');
    await writeFile(home, 'a file, not a folder');
    const bad = new SavingsStore(home, PRICES);
    bad.recordCall(LOG, { model: 'm', task: 'code' });
    expect(() => bad.record(null as never)).not.toThrow();
    expect(() => bad.record({ model: 'm' } as never)).not.toThrow();
    await bad.flush();
    expect(bad.summary().total.calls).toBe(1);
    await rm(home);
    await mkdir(home);
    await bad.close();
    expect(stored(home).map((r) => r.cell.calls)).toEqual([1]);
  });
});

describe('show_status and ollm://metrics report the savings', () => {
  it('says so honestly when offloading cost more than it saved', () => {
    const s = new SavingsStore(homeDir(), PRICES, { flushDelayMs: 60_000 });
    s.recordCall(PASTE, { model: 'm', task: 'summarize', at: DAY1 });
    expect(renderSavings(s.summary({ now: DAY2 }))).toBe(
      'Saved by offloading to local models: in all nothing — ≈ $0.18 more spent than doing the ' +
        'work yourself, over 1 call; today no offloaded call.',
    );
    const free = new SavingsStore(
      homeDir(),
      { ...PRICES, inputPerMillion: 0, outputPerMillion: 0 },
      { flushDelayMs: 60_000 },
    );
    free.recordCall(LOG, { model: 'm', task: 'summarize', at: DAY2 });
    expect(renderSavings(free.summary({ now: DAY2 }))).toBe(
      'Saved by offloading to local models: in all ~14.9k tokens over 1 call; today ~14.9k tokens over 1 call.',
    );
  });

  it("in structuredContent, the text, and the resource — other processes' savings included", async () => {
    fake = await FakeOllama.start({ memoryBytes: 16e9, tokenDelayMs: 1 });
    const core = await coreFor(fake, { totalBytes: 16e9, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
    const server = new McpServer({ name: 'ollm-test', version: '1' });
    showStatusTool(server, core);
    registerMetrics(server, core);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'ollm-test', version: '1' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const none = await client.callTool({ name: 'show_status', arguments: {} });
      expect((none.content as Array<{ text: string }>)[0]!.text).toMatch(
        /Saved by offloading to local models: nothing yet \(no offloaded call recorded\)\./,
      );
      core.savings.recordCall(LOG, { model: 'qwen2.5-coder:7b', task: 'code' });
      const other = new SavingsStore(core.config.home, PRICES); // another ollm-mcp process
      other.recordCall(LOG, { model: 'llama3.2:latest', task: 'general' });
      await other.close();
      const r = await client.callTool({ name: 'show_status', arguments: {} });
      expect(r.isError).toBeFalsy();
      const savings = (r.structuredContent as { savings: SavingsSummary }).savings;
      expect(savings.total).toMatchObject({ calls: 2, savedTokens: 29_880, savedMoney: 0.1002 });
      expect(savings.today.calls).toBe(2);
      expect(savings.byModel.map((m) => m.model).sort()).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']);
      expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(
        /Saved by offloading to local models: in all ~29\.9k tokens \(≈ \$0\.10\) over 2 calls; today ~29\.9k tokens \(≈ \$0\.10\) over 2 calls\./,
      );
      const res = await client.readResource({ uri: 'ollm://metrics' });
      const body = JSON.parse((res.contents[0] as { text: string }).text) as { savings: SavingsSummary };
      expect(body.savings.total).toMatchObject({ calls: 2, savedTokens: 29_880 });
      expect(body.savings.prices).toEqual(PRICES);
      expect(body.savings.byTask.map((t) => t.task).sort()).toEqual(['code', 'general']);
    } finally {
      await client.close();
      await core.shutdown();
    }
  });
});
