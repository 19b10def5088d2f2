import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryError, MemoryStore } from '../../src/orchestrator/memory/memory-store.js';
import { SharedJsonFile } from '../../src/orchestrator/storage/shared-file.js';

// Counts atomic writes while still writing for real.
const writes = vi.hoisted(() => ({ count: 0 }));
vi.mock('write-file-atomic', async (importOriginal) => {
  const real = ((await importOriginal()) as { default: (...a: unknown[]) => Promise<void> }).default;
  return {
    default: (...args: unknown[]) => {
      writes.count++;
      return real(...args);
    },
  };
});

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ollm-shared-'));
  file = join(dir, 'memory.json');
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const store = () => new MemoryStore(file, { maxEntries: 10_000, maxValueChars: 4000 });
const entry = (i: number) => ({ key: `fact ${i}`, value: `value ${i}`, category: 'fact', source: 'user', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', accessCount: 0 });
const hundred = () => Array.from({ length: 100 }, (_, i) => entry(i));
const asides = async () => (await readdir(dir)).filter((f) => f.startsWith('memory.json.corrupt-'));

describe('salvage, never discard', () => {
  it('a byte-order mark is read past: all 100 entries are recalled and nothing is set aside', async () => {
    await writeFile(file, `\uFEFF${JSON.stringify({ version: 1, entries: hundred() }, null, 2)}`);
    const s = store();
    for (let i = 0; i < 100; i++) expect((await s.recall(`fact ${i}`))?.value).toBe(`value ${i}`);
    expect(await asides()).toEqual([]);
    expect(s.takeNotice()).toBeUndefined();
  });

  it('one bad entry among 100 (an empty key) goes aside alone; the 99 others are recalled, and the next result says so', async () => {
    const entries: unknown[] = hundred();
    entries[37] = { ...entry(37), key: '' };
    await writeFile(file, JSON.stringify({ version: 1, entries }));
    const s = store();
    expect(await s.count()).toBe(99);
    for (let i = 0; i < 100; i++) if (i !== 37) expect((await s.recall(`fact ${i}`))?.value).toBe(`value ${i}`);
    const [aside] = await asides();
    expect(JSON.parse(await readFile(join(dir, aside!), 'utf8'))).toMatchObject({ entries: [{ key: '', value: 'value 37' }], problem: '1 entry not valid' });
    expect(s.takeNotice()).toMatch(/was damaged \(1 entry not valid\): 99 memories were kept; 1 unreadable part was moved to .*corrupt-/);
    // the file on disk is whole again: another process reads 99 without salvaging
    expect(JSON.parse(await readFile(file, 'utf8')).entries).toHaveLength(99);
  });

  it('text after the JSON is cut off and kept aside; every entry stays', async () => {
    await writeFile(file, `${JSON.stringify({ version: 1, entries: hundred() })}\n}]garbage from a crash`);
    const s = store();
    expect(await s.count()).toBe(100);
    const [aside] = await asides();
    expect(JSON.parse(await readFile(join(dir, aside!), 'utf8')).text).toBe('}]garbage from a crash');
  });

  it('a folder where the file should be is a clear error, and nothing is moved', async () => {
    await mkdir(file);
    const s = store();
    await expect(s.remember('k', 'v')).rejects.toThrow(MemoryError);
    await expect(s.remember('k', 'v')).rejects.toThrow(/memory\.json is a folder, but ollm-mcp keeps its memory in a file of that name\. Move the folder away/);
    await expect(s.list()).rejects.toThrow(/is a folder/);
    expect((await readdir(dir)).sort()).toEqual(['memory.json']);
  });
});

describe('writes in one process are queued and batched', () => {
  it('600 concurrent remember calls are all acknowledged and all on disk, in a few writes', async () => {
    const s = store();
    writes.count = 0;
    const results = await Promise.allSettled(Array.from({ length: 600 }, (_, i) => s.remember(`key ${i}`, `value ${i}`)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(JSON.parse(await readFile(file, 'utf8')).entries).toHaveLength(600);
    expect(writes.count).toBeLessThan(20); // one per batch, not one per call
  });

  it('a change that fails is refused alone; the others in its batch are written', async () => {
    const s = new MemoryStore(file, { maxEntries: 3, maxValueChars: 100 });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((k) => s.remember(k, 'v')));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(JSON.parse(await readFile(file, 'utf8')).entries.map((e: { key: string }) => e.key)).toEqual(['a', 'b', 'c']);
  });

  it('when another writer replaced the file under the lock, the batch is applied again to what it wrote', async () => {
    const f = new SharedJsonFile<string[]>(join(dir, 'list.json'), {
      parse: (raw) => (Array.isArray(raw) ? { value: raw as string[], rejected: [] } : null),
      empty: () => [],
      count: (v) => v.length,
      label: 'test',
    });
    await f.update(() => ['first']);
    let intruded = false;
    await f.update(async (current) => {
      if (!intruded) {
        intruded = true; // as if a process whose lock had expired wrote now
        await writeFile(join(dir, 'list.json'), JSON.stringify([...current, 'intruder']));
      }
      return [...current, 'ours'];
    });
    expect(JSON.parse(await readFile(join(dir, 'list.json'), 'utf8'))).toEqual(['first', 'intruder', 'ours']);
  });
});

/** Runs a script in a child process with tsx; resolves with its stdout lines once it exits. */
function child(script: string, env: Record<string, string> = {}): { done: Promise<string[]>; lines: string[]; kill(sig: NodeJS.Signals): void } {
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines: string[] = [];
  let buf = '';
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  });
  const done = new Promise<string[]>((r) => p.on('close', () => r(lines)));
  return { done, lines, kill: (sig) => p.kill(sig) };
}

const src = (path: string) => JSON.stringify(resolve(import.meta.dirname, '../../src/orchestrator', path));
const STALE = { OLLM_LOCK_STALE_MS: '2000' };

/** A process that takes the memory file's lock and holds it until killed. */
const holder = (f: string) => `
  import { withLock } from ${src('storage/lock.ts')};
  setInterval(() => {}, 1000); // stays alive until killed
  await withLock(${JSON.stringify(f)}, 'test', async () => { console.log('held'); await new Promise(() => {}); });`;

async function untilHeld(h: ReturnType<typeof child>): Promise<void> {
  for (let i = 0; i < 400 && !h.lines.includes('held'); i++) await new Promise((r) => setTimeout(r, 25));
  expect(h.lines).toContain('held');
}

describe('across processes', () => {
  it('a lock left by a dead process, with 3 processes waiting on it: every acknowledged write is on disk', { timeout: 60_000 }, async () => {
    for (let round = 0; round < 3; round++) {
      const h = child(holder(file), STALE);
      await untilHeld(h);
      h.kill('SIGKILL'); // dies holding the lock: nobody refreshes it from now on
      await h.done;
      expect((await readdir(dir)).includes('memory.json.lock')).toBe(true);
      const writer = (w: number) => `
        import { MemoryStore } from ${src('memory/memory-store.ts')};
        const s = new MemoryStore(${JSON.stringify(file)}, { maxEntries: 10000, maxValueChars: 100 });
        await Promise.all(Array.from({ length: 40 }, (_, i) => s.remember('r${round} w${w} k' + i, 'v').then(() => console.log('r${round} w${w} k' + i), (e) => console.log('refused ' + e.message))));`;
      const acked = (await Promise.all([0, 1, 2].map((w) => child(writer(w), STALE).done))).flat();
      expect(acked.filter((l) => l.startsWith('refused'))).toEqual([]);
      expect(acked).toHaveLength(120);
      const keys = new Set((JSON.parse(await readFile(file, 'utf8')).entries as Array<{ key: string }>).map((e) => e.key));
      expect(acked.filter((k) => !keys.has(k))).toEqual([]);
    }
  });

  it('a process that dies of an uncaught error while holding the lock removes it on the way out', async () => {
    const h = child(`
      import { withLock } from ${src('storage/lock.ts')};
      await withLock(${JSON.stringify(file)}, 'test', async () => { console.log('held'); setTimeout(() => { throw new Error('boom'); }, 50); await new Promise(() => {}); });`);
    await untilHeld(h);
    await h.done;
    expect((await readdir(dir)).filter((f) => f.startsWith('memory.json.lock'))).toEqual([]);
  });

  it('a refusal after the wait names the process holding the lock and how long it has held it', { timeout: 30_000 }, async () => {
    const h = child(holder(file), STALE);
    try {
      await untilHeld(h);
      const tryWrite = child(
        `import { MemoryStore } from ${src('memory/memory-store.ts')};
         await new MemoryStore(${JSON.stringify(file)}, { maxEntries: 10, maxValueChars: 100 }).remember('k', 'v').then(() => console.log('written'), (e) => console.log(e.message));`,
        { ...STALE, OLLM_LOCK_WAIT_MS: '1500' },
      );
      const [message] = await tryWrite.done;
      expect(message).toMatch(/memory\.json is locked by process \d+, holding it for \d+ s \(lock refreshed \d+\.\d s ago\); waited 2 s\. Try again in a moment.*Nothing was changed\./);
    } finally {
      h.kill('SIGKILL');
      await h.done;
    }
  });
});
