// A summed table's commit (storage/summed-table.ts): when nothing but this copy's own writes changed its rows
// since it read them, the rows it writes are all that is new — it reads no other row again (a year's ledger,
// 6,000 rows, had every row read again after each commit: ~33 ms); when another copy or another process wrote,
// it reads every row again and sees theirs.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { closeStateDbs } from '../../src/orchestrator/storage/db.js';
import { SummedTable, type SumsCodec } from '../../src/orchestrator/storage/summed-table.js';
import { tempDir } from '../helpers/temp.js';

let parsed = 0;
const codec: SumsCodec<{ n: number }> = {
  parseRow: (raw) => {
    parsed++;
    return typeof raw === 'object' && raw !== null && typeof (raw as { n?: unknown }).n === 'number'
      ? { n: (raw as { n: number }).n }
      : null;
  },
  serialiseRow: (row) => row,
  parseFile: () => null,
  zero: () => ({ n: 0 }),
  add: (a, b) => {
    a.n += b.n;
    return a;
  },
};

class Counter extends SummedTable<{ n: number }> {
  constructor(home: string) {
    super(home, 'counter', codec);
  }
  add(key: string, n = 1): void {
    this.addDelta(key, { n });
  }
  get(key: string): number | undefined {
    return this.row(key)?.n;
  }
}

afterEach(async () => {
  await closeStateDbs();
});

describe('a summed table commits', () => {
  it('reading back only the rows it wrote while no one else wrote', async () => {
    const home = tempDir('ollm-sums-');
    const a = new Counter(home);
    for (let i = 0; i < 50; i++) a.add(`k${i}`);
    await a.flush();
    await a.flush(); // nothing pending: no read at all
    parsed = 0;
    a.add('k7', 10);
    await a.flush();
    expect(parsed).toBe(1); // its own row, read in the transaction to add to
    expect(a.get('k7')).toBe(11);
    expect(a.get('k8')).toBe(1);
  });

  it("reading every row again after another copy's or another process's write, and seeing theirs", async () => {
    const home = tempDir('ollm-sums-');
    const a = new Counter(home);
    const b = new Counter(home);
    a.add('mine');
    await a.flush();
    b.add('theirs', 5);
    await b.flush();
    parsed = 0;
    a.add('mine');
    await a.flush();
    expect(parsed).toBeGreaterThan(1);
    expect(a.get('theirs')).toBe(5);
    const script = `import { SummedTable } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/orchestrator/storage/summed-table.ts'))};
      class C extends SummedTable { constructor(h) { super(h, 'counter', { parseRow: (r) => r, serialiseRow: (r) => r,
        parseFile: () => null, zero: () => ({ n: 0 }), add: (x, y) => { x.n += y.n; return x; } }); } }
      const c = new C(${JSON.stringify(home)});
      c.addDelta('elsewhere', { n: 3 });
      await c.close();`;
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
    });
    a.add('mine');
    await a.flush();
    expect(a.get('elsewhere')).toBe(3);
    expect(a.get('mine')).toBe(3);
  }, 30_000);
});
