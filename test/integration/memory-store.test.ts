import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryError, MemoryStore } from '../../src/orchestrator/memory/memory-store.js';
import { tempDir } from '../helpers/temp.js';

const LIMITS = { maxEntries: 5, maxValueChars: 40 };
let dir: string;
let file: string;
const store = (limits = LIMITS) => new MemoryStore(file, limits, 5);
const onDisk = async () => JSON.parse(await readFile(file, 'utf8')) as { version: number; entries: Array<Record<string, unknown>> };

beforeEach(async () => {
  dir = tempDir('ollm-memory-');
  file = join(dir, 'memory.json');
});
afterEach(() => vi.restoreAllMocks());

describe('memory store', () => {
  it('creates, then updates the same key however it is written, keeping createdAt', async () => {
    const s = store();
    const first = await s.remember('Preferred Language', 'TypeScript', { category: 'preference', source: 'llm' });
    expect(first.action).toBe('created');
    expect(first.entry).toMatchObject({ key: 'Preferred Language', value: 'TypeScript', category: 'preference', source: 'llm', accessCount: 0 });
    await new Promise((r) => setTimeout(r, 5));
    const second = await s.remember('  preferred   language ', 'Rust', { source: 'user' });
    expect(second.action).toBe('updated');
    expect(second.entry).toMatchObject({ key: 'preferred language', value: 'Rust', category: 'preference', source: 'user', createdAt: first.entry.createdAt });
    expect(second.entry.updatedAt > first.entry.createdAt).toBe(true);
    expect((await onDisk()).entries).toHaveLength(1);
  });

  it('keeps entries across instances (a later session), one entry per line on disk', async () => {
    await store().remember('editor', 'Neovim');
    await store().remember('shell', 'fish');
    const later = store();
    expect((await later.list()).map((e) => e.key)).toEqual(['shell', 'editor']);
    expect(await later.recall('EDITOR')).toMatchObject({ value: 'Neovim' });
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('{"key"'))).toHaveLength(2);
    expect((await readdir(dir)).sort()).toEqual(['memory.json']); // no lock or temp file left
  });

  it('counts recalls, searches and prompt uses, and writes the counts a moment later', async () => {
    const s = store();
    await s.remember('editor', 'Neovim');
    await s.recall('editor');
    expect((await s.search('editor'))[0]).toMatchObject({ key: 'editor', accessCount: 2 });
    expect(await s.systemPromptAddition('which editor?', 100)).toContain('- editor: Neovim');
    expect((await s.recall('editor'))!.accessCount).toBe(4);
    await s.flush();
    expect((await onDisk()).entries[0]!.accessCount).toBe(4);
    await new Promise((r) => setTimeout(r, 30));
    expect((await onDisk()).entries[0]!.accessCount).toBe(4); // the last recall's count, by the timer
  });

  it('searches by relevance, filtered by category', async () => {
    const s = store({ maxEntries: 10, maxValueChars: 100 });
    await s.remember('test runner', 'vitest for TypeScript projects', { category: 'preference' });
    await s.remember('language', 'TypeScript', { category: 'fact' });
    await s.remember('pet', 'cat');
    expect((await s.search('typescript')).map((e) => e.key)).toEqual(['language', 'test runner']);
    expect((await s.search('typescript', { category: 'preference' })).map((e) => e.key)).toEqual(['test runner']);
    expect(await s.search('typescript', { limit: 1 })).toHaveLength(1);
    expect(await s.search('zebra')).toEqual([]);
  });

  it('forgets one entry, and clear keeps a backup of what it removed', async () => {
    const s = store();
    await s.remember('a', '1');
    await s.remember('b', '2');
    expect(await s.forget('A')).toMatchObject({ key: 'a' });
    expect(await s.forget('a')).toBeUndefined();
    expect((await s.list()).map((e) => e.key)).toEqual(['b']);
    const cleared = await s.clear();
    expect(cleared).toEqual({ removed: 1, backup: `${file}.bak` });
    expect(await s.list()).toEqual([]);
    expect(JSON.parse(await readFile(`${file}.bak`, 'utf8')).entries[0].key).toBe('b');
    expect(await s.clear()).toEqual({ removed: 0 });
  });

  it('refuses bad input and full memory with messages that say what to do', async () => {
    const s = store();
    await expect(s.remember(' ', 'x')).rejects.toThrow(/key is empty/);
    await expect(s.remember('k'.repeat(201), 'x')).rejects.toThrow(/at most 200/);
    await expect(s.remember('k', '  ')).rejects.toThrow(/empty: to remove a memory use forget/);
    await expect(s.remember('k', 'v'.repeat(41))).rejects.toThrow(/41 characters; the limit is 40 \(memory.maxValueChars\)/);
    for (let i = 0; i < 5; i++) await s.remember(`k${i}`, 'v');
    const full = s.remember('one more', 'v');
    await expect(full).rejects.toBeInstanceOf(MemoryError);
    await expect(full).rejects.toThrow(/Memory is full: 5 entries/);
    await expect(s.remember('k0', 'updating is fine')).resolves.toMatchObject({ action: 'updated' });
  });

  it('two instances on one file see each other’s writes and lose none', async () => {
    const a = store({ maxEntries: 500, maxValueChars: 40 });
    const b = store({ maxEntries: 500, maxValueChars: 40 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).remember(`key ${i}`, `value ${i}`)));
    expect(await a.count()).toBe(40);
    expect(await b.count()).toBe(40);
    await b.forget('key 3');
    expect(await a.recall('key 3')).toBeUndefined();
  });

  it('salvages a cut-off file: the readable entries stay, the rest is kept aside, and it says so once', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const cut = '{"version":1,"entries":[\n{"key":"kept","value":"yes"},\n{"key":"a","val';
    await writeFile(file, cut);
    const s = store();
    expect((await s.list()).map((e) => e.key)).toEqual(['kept']);
    const aside = (await readdir(dir)).find((f) => f.startsWith('memory.json.corrupt-'));
    expect(aside).toBeDefined();
    const record = JSON.parse(await readFile(join(dir, aside!), 'utf8')) as { text: string; entries: unknown[] };
    expect(record.text).toBe(cut); // nothing lost: the original text is kept
    expect(record.entries).toHaveLength(1);
    expect(s.setAside).toBe(join(dir, aside!));
    expect(s.takeNotice()).toMatch(/was damaged .*1 memory was kept; 2 unreadable parts were moved to .*corrupt-.*nothing was deleted/);
    expect(s.takeNotice()).toBeUndefined();
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/memory: .* was damaged/);
    await s.remember('fresh', 'start');
    expect((await onDisk()).entries.map((e) => e.key)).toEqual(['kept', 'fresh']);
  });

  it('a file that is not a memory file at all is moved aside whole, and a new one started', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await writeFile(file, '[1, 2, 3]');
    const s = store();
    expect(await s.list()).toEqual([]);
    const aside = (await readdir(dir)).find((f) => f.startsWith('memory.json.corrupt-'));
    expect(await readFile(join(dir, aside!), 'utf8')).toBe('[1, 2, 3]');
    expect(s.takeNotice()).toMatch(/could not be read .*moved to .*corrupt-.*nothing was deleted/);
  });

  it('an entry without a value is set aside alone; missing optional fields are filled in', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await writeFile(file, JSON.stringify({ entries: [{ key: 'k' }, { key: 'good', value: 'v' }] }));
    expect((await store().list()).map((e) => e.key)).toEqual(['good']);
    await writeFile(file, JSON.stringify({ entries: [{ key: 'hand written', value: 'v', category: 'nonsense' }] }));
    expect(await store().list()).toEqual([
      { key: 'hand written', value: 'v', category: 'fact', source: 'user', createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), accessCount: 0 },
    ]);
  });
});
