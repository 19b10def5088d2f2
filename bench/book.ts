/**
 * A quick call's cost once much was learned (issue 82, Deliver 3): every answer adds its figures to
 * the speeds learned of its host and model (stores/speeds.ts), its outcome to the evidence routing
 * learns from, by kind of work (stores/outcomes.ts), and its sums to the savings ledger, by day
 * (stores/savings-store.ts); a home used for long keeps hundreds of places and thousands of rows. The
 * built server on its own (OLLM_SHARED=0), twice, over one fake Ollama at zero latency — in a fresh
 * home, and in a home whose speeds know PLACES places, nine answers each, with evidence at each for six
 * kinds of work, and LEDGER_DAYS days of ledger, 30 rows a day (written through the stores themselves)
 * — the same quick generation, interleaved. Printed: each one's p50 and the CPU its process spends a
 * call, its records after the answer included (each process serves one of the two, so its CPU is all
 * that call's), in BLOCKS blocks of rounds. Goal: the learned home's CPU a call within GOAL_MS of the
 * fresh home's, the median of the blocks' differences — what an answer records does not grow with what
 * was kept before (the speeds and the evidence were each one document read, checked and written whole
 * by every answer, +51 ms a call at 300 places of speeds alone; the ledger's every row was read again
 * after each commit, ~33 ms a commit at 6,000 rows). OLLM_BENCH_BOOK_RUNS: rounds (450). The blocks'
 * differences are printed: one block may hold a process's collection or compile of ~100–300 ms of CPU (±3–9 ms a
 * call of its 30), which the median of fifteen leaves out (of five, two such blocks can move it past 1 ms: CI missed once).
 */
import { FakeOllama } from '../test/fake-ollama/server.js';
import { CLI, tempHome } from '../test/helpers/spawn.js';
import { SpeedStore } from '../src/orchestrator/stores/speeds.js';
import { Outcomes } from '../src/orchestrator/stores/outcomes.js';
import { SavingsStore } from '../src/orchestrator/stores/savings-store.js';
import { PROFILE_NAMES } from '../src/orchestrator/config/profiles.js';
import { closeStateDbs } from '../src/orchestrator/storage/db.js';
import type { SpeedSample } from '../src/orchestrator/generation/speed-learning.js';
import type { BenchResult } from './list.js';
import { cpuNs, stdio } from './overhead.js';

const PLACES = 300;
const GOAL_MS = 1;
const BLOCKS = 15;
const LEDGER_DAYS = 200;
const TASKS = ['fast', 'code', 'summarize', 'general', 'reasoning', 'extract'];

/**
 * A home whose speeds know `places` places (three hosts' models), nine answers each, of several tasks, with
 * evidence at each for every one of those kinds of work.
 */
export async function learnedHome(places: number): Promise<string> {
  const home = tempHome('');
  const store = new SpeedStore(home);
  const outcomes = new Outcomes(home);
  const writes: Array<Promise<void>> = [];
  for (let i = 0; i < places; i++)
    for (let k = 0; k < 9; k++) {
      const sample: SpeedSample = {
        promptTokens: 800 + k,
        promptMs: 400 + k,
        outputTokens: 120 + k,
        generationMs: 2400,
        cut: k === 4,
        overheadMs: 30,
        sizeBytes: 4.7e9,
        task: TASKS[k % TASKS.length],
      };
      const [host, model] = [`http://box${i % 3}.lan:11434`, `model-${i}:latest`];
      writes.push(store.record(host, model, sample, { defer: false }));
      const work = PROFILE_NAMES[k];
      if (work)
        writes.push(outcomes.recordNow({ model, host, work }, { kind: 'speed', tokensPerSecond: 50 }, { kind: 'cut' }));
    }
  // and a year's savings ledger: a row per day, model, kind of work and agent (200 days × 30)
  const ledger = new SavingsStore(home, { inputPerMillion: 3, outputPerMillion: 15, currency: '$' });
  for (let day = 0; day < LEDGER_DAYS; day++)
    for (let k = 0; k < 30; k++)
      ledger.record({
        model: `model-${k % 5}:latest`,
        task: PROFILE_NAMES[k % 3]!,
        agent: `agent-${k % 2}`,
        at: Date.UTC(2026, 0, 1) + day * 86_400_000,
        local: { in: 800, out: 120 },
        call: { in: 60, out: 30, money: 0.0006 },
        self: { in: 800, out: 120, money: 0.004 },
        savedTokens: 830,
        savedMoney: 0.0034,
        verdict: 'saved',
        inputsByReference: 0,
      });
  await Promise.all([...writes, ledger.close()]);
  await closeStateDbs();
  return home;
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function benchBook(): Promise<BenchResult> {
  const runs = Number(process.env.OLLM_BENCH_BOOK_RUNS ?? 450);
  const fake = await FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0, memoryBytes: 24e9 });
  fake.reply('a b c d e f g h');
  const closers: Array<() => Promise<void>> = [];
  try {
    const home = await learnedHome(PLACES);
    const servers = {
      fresh: await stdio(CLI, fake.host, { OLLM_SHARED: '0' }),
      learned: await stdio(CLI, fake.host, { OLLM_SHARED: '0' }, undefined, '', home),
    };
    for (const s of Object.values(servers)) closers.push(s.close);
    const call = (name: keyof typeof servers) =>
      servers[name].client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 16, useMemory: false },
      }) as Promise<{ isError?: boolean }>;
    const names = Object.keys(servers) as Array<keyof typeof servers>;
    for (let i = 0; i < 20; i++) for (const n of names) await call(n); // loads, compiles, reads the state
    const times = { fresh: [] as number[], learned: [] as number[] };
    // CPU per call in BLOCKS blocks of rounds, each process's own: the difference judged is the blocks' median (a
    // burst of the machine's, or a collection, moves one block)
    const cpuNow = () => Object.fromEntries(names.map((n) => [n, cpuNs([servers[n].pid])])) as Record<string, number>;
    const blocks: Array<{ fresh: number; learned: number }> = [];
    const perBlock = Math.max(1, Math.floor(runs / BLOCKS));
    for (let b = 0; b < BLOCKS; b++) {
      const before = cpuNow();
      for (let i = 0; i < perBlock; i++)
        for (const n of names) {
          const t = performance.now();
          const r = await call(n);
          times[n].push(performance.now() - t);
          if (r.isError) throw new Error(`${n}: ${JSON.stringify(r).slice(0, 300)}`);
        }
      await new Promise((r) => setTimeout(r, 300)); // the block's last group commit (250 ms at most) is its calls'
      const after = cpuNow();
      blocks.push({
        fresh: (after.fresh! - before.fresh!) / perBlock / 1e6,
        learned: (after.learned! - before.learned!) / perBlock / 1e6,
      });
    }
    const cpu = (n: keyof typeof servers) => p50(blocks.map((b) => b[n]));
    const grown = p50(blocks.map((b) => b.learned - b.fresh));
    const measured = cpu('fresh') > 0; // no /proc: nothing to judge
    const ok = !measured || grown <= GOAL_MS;
    const f = (x: number) => `${x.toFixed(2)} ms`;
    return {
      ok,
      lines: [
        `book: a quick call on its own, ${perBlock * BLOCKS} interleaved — in a fresh home p50 ${f(p50(times.fresh))}, CPU ` +
          `${f(cpu('fresh'))} a call; with ${PLACES} places of speeds and evidence learned and ${LEDGER_DAYS} days of ledger p50 ${f(p50(times.learned))}, CPU ` +
          `${f(cpu('learned'))} a call: ${grown >= 0 ? '+' : ''}${f(grown)} (the median of ${BLOCKS} blocks' differences; ` +
          `goal ≤ +${GOAL_MS} ms; blocks ${blocks.map((b) => (b.learned - b.fresh).toFixed(2)).join(', ')}) ` +
          `${!measured ? 'not judged (no /proc)' : ok ? 'OK' : 'OVER'}`,
      ],
    };
  } finally {
    await Promise.all(closers.map((c) => c()));
    await fake.stop();
  }
}
