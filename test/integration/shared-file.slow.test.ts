// Several processes on one shared file: a holder killed with the lock, waiters past the stale age, a
// refusal after the wait. Real seconds of waiting, so this runs in `npm run test:slow` (vitest.config.ts);
// the same file within one process is tested in shared-file.test.ts.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ollm-shared-'));
  file = join(dir, 'memory.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
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
