// Shared files within one process. Several processes on one file, with real lock waits and killed
// holders: shared-file.slow.test.ts (npm run test:slow).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
