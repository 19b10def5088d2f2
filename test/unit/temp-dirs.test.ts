import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { pendingTempDirs, removeTempDirs, tempDir } from '../helpers/temp.js';

describe('temporary folders of the tests', () => {
  it('tempDir makes a folder that removeTempDirs removes', async () => {
    const before = pendingTempDirs();
    const a = tempDir('ollm-temp-check-');
    const b = tempDir('ollm-temp-check-');
    expect(a).not.toBe(b);
    expect(existsSync(a) && existsSync(b)).toBe(true);
    expect(pendingTempDirs()).toBe(before + 2);
    await removeTempDirs();
    expect(existsSync(a) || existsSync(b)).toBe(false);
    expect(pendingTempDirs()).toBe(0);
  });

  it('the run has a temporary directory of its own, removed when the run ends', () => {
    const root = process.env.OLLM_TEST_TMPDIR;
    expect(root).toMatch(/ollm-test-run-/);
    expect(tmpdir()).toBe(root);
  });
});
