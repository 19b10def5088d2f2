/**
 * The test run's own temporary folder (test/global-setup.ts) is removed even when the build before the
 * suite fails: that failure ends the run before any teardown is handed back, which once left an
 * `ollm-test-run-*` folder behind for every failed build.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const build = vi.hoisted(() => ({ fails: true, calls: 0 }));
vi.mock('node:child_process', async (original) => ({
  ...(await original<typeof import('node:child_process')>()),
  execFileSync: () => {
    build.calls++;
    if (build.fails) throw new Error('Build failed with 5 errors');
    return Buffer.alloc(0);
  },
}));

const KEYS = ['OLLM_TEST_TMPDIR', 'TMPDIR', 'OLLM_TEST_BUILT'] as const;
let saved: Record<string, string | undefined>;
let parent: string;

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS) delete process.env[k];
  // the folders this setup makes go under one of the test's own
  parent = mkdtempSync(join(saved.TMPDIR ?? tmpdir(), 'ollm-setup-check-'));
  process.env.TMPDIR = parent;
  build.calls = 0;
});

afterEach(() => {
  for (const k of KEYS)
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  rmSync(parent, { recursive: true, force: true });
});

describe('the test run’s temporary folder', () => {
  it('is removed when the build fails, and the failure is thrown', async () => {
    const { default: setup } = await import('../global-setup.js');
    build.fails = true;
    expect(() => setup()).toThrow('Build failed');
    const root = process.env.OLLM_TEST_TMPDIR!;
    expect(root).toContain(join(parent, 'ollm-test-run-'));
    expect(existsSync(root)).toBe(false);
  });

  it('is kept while the run goes on after a build that succeeds, and removed by its teardown', async () => {
    const { default: setup } = await import('../global-setup.js');
    build.fails = false;
    const teardown = setup();
    const root = process.env.OLLM_TEST_TMPDIR!;
    expect(build.calls).toBe(1);
    expect(existsSync(root)).toBe(true);
    teardown?.();
    expect(existsSync(root)).toBe(false);
  });
});
