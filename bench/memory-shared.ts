/**
 * `remember` under load from several processes on one state database, as when Claude Desktop and an
 * IDE each run ollm-mcp: each process sends CALLS remember calls, IN_FLIGHT at a time, starting
 * together. Printed: throughput (acknowledged calls per second over the whole run), latency p50
 * and p99 per call, and refusals (goal: none).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CALLS = 600;
const IN_FLIGHT = 100;
const SEED_ENTRIES = 1000;

interface ChildResult {
  latencies: number[];
  refused: number;
  endAt: number;
}

const script = (dir: string, file: string, proc: number, startAt: number) => `
  import { MemoryStore } from ${JSON.stringify(resolve(import.meta.dirname, '../src/orchestrator/memory/memory-store.ts'))};
  const store = new MemoryStore(${JSON.stringify(dir)}, { maxEntries: 100000, maxValueChars: 4000 }, { legacyFile: ${JSON.stringify(file)}, flushDelayMs: 60000 });
  await store.count(); // the memory is read once before the clock starts, as a running server has it
  await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - Date.now())));
  const latencies = []; let refused = 0; let next = 0;
  async function worker() {
    while (next < ${CALLS}) {
      const i = next++;
      const t = performance.now();
      try { await store.remember('process ${proc} fact ' + i, 'value ' + i + ' written under load'); latencies.push(performance.now() - t); }
      catch { refused++; }
    }
  }
  await Promise.all(Array.from({ length: ${IN_FLIGHT} }, worker));
  process.stdout.write(JSON.stringify({ latencies, refused, endAt: Date.now() }));`;

function runChild(code: string): Promise<ChildResult> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (c) => (c === 0 ? ok(JSON.parse(out) as ChildResult) : fail(new Error(`bench child exited ${c}`))));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

export async function benchMemoryShared(): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  for (const processes of [1, 3]) {
    const dir = await mkdtemp(join(tmpdir(), 'ollm-bench-shared-'));
    try {
      const file = join(dir, 'memory.json');
      const at = new Date().toISOString();
      const seed = Array.from({ length: SEED_ENTRIES }, (_, i) => ({
        key: `seed ${i}`,
        value: `seeded fact ${i}`,
        category: 'fact',
        source: 'user',
        createdAt: at,
        updatedAt: at,
        accessCount: 0,
      }));
      await writeFile(file, JSON.stringify({ version: 1, entries: seed }));
      const startAt = Date.now() + 2500; // every child has started and read the file by then
      const results = await Promise.all(
        Array.from({ length: processes }, (_, p) => runChild(script(dir, file, p, startAt))),
      );
      const latencies = results.flatMap((r) => r.latencies);
      const refused = results.reduce((n, r) => n + r.refused, 0);
      const seconds = (Math.max(...results.map((r) => r.endAt)) - startAt) / 1000;
      ok &&= refused === 0;
      lines.push(
        `memory (${processes} process${processes > 1 ? 'es' : ''} × ${CALLS} remember, ${IN_FLIGHT} ` +
          `in flight each, ${SEED_ENTRIES} entries): ${latencies.length} acknowledged, ${refused} ` +
          `refused; ${Math.round(latencies.length / seconds)} remember/s; latency p50 ` +
          `${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  lines.push(`memory shared: ${ok ? 'OK (no call refused)' : 'MISSED (calls refused)'}`);
  return { ok, lines };
}
