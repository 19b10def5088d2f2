/**
 * Memory benchmark: 10,000 entries in the state database (imported from a memory.json of an
 * earlier version, as an upgrade does). `remember` is timed end to end — one write transaction,
 * committed to disk — and `search` over all entries. Goals: remember p50 ≤ 15 ms, search p50 ≤
 * 5 ms. Also shown: the first read (the import included), the first read after another process
 * changed the memory (a full re-read), and choosing memories for a prompt.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryEntry } from '../src/orchestrator/memory/memory-search.js';
import { MemoryStore } from '../src/orchestrator/memory/memory-store.js';
import { benchMemoryShared } from './memory-shared.js';

const ENTRIES = 10_000;
const RUNS = 300;
const TOPICS = [
  'typescript',
  'python',
  'deploy',
  'database',
  'editor',
  'testing',
  'style',
  'review',
  'docker',
  'linux',
  'coffee',
  'meeting',
  'design',
  'api',
  'cache',
];
const WORDS = (
  'the user prefers short answers with examples and uses postgres on staging servers behind ' +
  'nginx while the team reviews pull requests daily'
).split(' ');

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const fmt = (ms: number) => ms.toFixed(2);

function sentence(i: number): string {
  const n = 8 + (i % 12);
  return (
    Array.from({ length: n }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ') +
    ` ${TOPICS[i % TOPICS.length]} ${i}`
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function benchMemory(): Promise<{ ok: boolean; lines: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'ollm-bench-memory-'));
  const file = join(dir, 'memory.json');
  try {
    const at = new Date().toISOString();
    const entries: MemoryEntry[] = Array.from({ length: ENTRIES }, (_, i) => ({
      key: `${TOPICS[i % TOPICS.length]} note ${i}`,
      value: sentence(i),
      category: (['fact', 'preference', 'context'] as const)[i % 3]!,
      source: 'llm',
      createdAt: at,
      updatedAt: at,
      accessCount: i % 5,
    }));
    await writeFile(file, JSON.stringify({ version: 1, entries }));
    const limits = { maxEntries: ENTRIES + RUNS, maxValueChars: 4000 };
    const store = new MemoryStore(dir, limits, { legacyFile: file, flushDelayMs: 60_000 });
    const firstRead = await timed(() => store.count());

    const remember: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // half new keys, half updates of existing ones
      const key = i % 2 ? `bench new ${i}` : `${TOPICS[i % TOPICS.length]} note ${i * 31}`;
      remember.push(await timed(() => store.remember(key, `value written by run ${i}: ${sentence(i)}`)));
    }
    const queries = [
      'typescript',
      'deploy staging',
      'postgres database',
      'editor',
      'short answers examples',
      'docker linux cache',
      'note 4242',
      'review pull requests daily',
    ];
    await store.search('warm up'); // words of every entry are computed once per version read
    const search: number[] = [];
    for (let i = 0; i < RUNS; i++) search.push(await timed(() => store.search(queries[i % queries.length]!)));
    const prompt =
      `Please help me set up the deploy of our API to staging: the database is postgres, tests ` +
      `run in docker, and the team reviews every pull request. ${sentence(3)} ${sentence(9)}`;
    const forPrompt: number[] = [];
    for (let i = 0; i < 50; i++) forPrompt.push(await timed(() => store.factsFor(prompt, 500)));

    const other = new MemoryStore(dir, limits, { flushDelayMs: 60_000 });
    await other.remember('written elsewhere', 'another process changed the file');
    const afterOther = await timed(() => store.search('deploy'));
    const otherRemember: number[] = [];
    for (let i = 0; i < 20; i++) {
      await other.remember(`other ${i}`, 'x');
      otherRemember.push(await timed(() => store.remember(`mine ${i}`, 'y')));
    }
    await store.flush();

    const size =
      (await stat(join(dir, 'state.db'))).size +
      (await stat(join(dir, 'state.db-wal')).then(
        (s) => s.size,
        () => 0,
      ));
    const shared = await benchMemoryShared();
    const rememberP50 = pct(remember, 0.5);
    const searchP50 = pct(search, 0.5);
    const ok = rememberP50 <= 15 && searchP50 <= 5 && shared.ok;
    return {
      ok,
      lines: [
        `memory: ${ENTRIES} entries, state.db ${(size / 1e6).toFixed(2)} MB; first read (importing ` +
          `memory.json) ${fmt(firstRead)} ms`,
        `memory: remember p50 ${fmt(rememberP50)} ms, p90 ${fmt(pct(remember, 0.9))} ms (${RUNS} ` +
          `runs, one committed transaction each; goal p50 ≤ 15 ms)`,
        `memory: search p50 ${fmt(searchP50)} ms, p90 ${fmt(pct(search, 0.9))} ms (${RUNS} runs; goal p50 ≤ 5 ms)`,
        `memory: memories for a prompt (500-token budget) p50 ${fmt(pct(forPrompt, 0.5))} ms`,
        `memory: after another process wrote: search ${fmt(afterOther)} ms (re-read), remember p50 ` +
          `${fmt(pct(otherRemember, 0.5))} ms`,
        ...shared.lines,
        `memory: ${ok ? 'OK' : 'MISSED'}`,
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
