// Builds dist/ once before the suite, so the end-to-end tests always drive the current code.
// Each test project runs this setup; the build happens once per test run.
//
// The run also gets a temporary folder of its own: the temporary directory of the test workers
// (and of anything they start) points into it, and it is removed when the run ends, so nothing a
// test leaves behind outlives the run. Each test file also removes its own folders as it ends
// (test/setup-temp.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): (() => void) | undefined {
  let teardown: (() => void) | undefined;
  if (!process.env.OLLM_TEST_TMPDIR) {
    const root = mkdtempSync(join(tmpdir(), 'ollm-test-run-'));
    process.env.OLLM_TEST_TMPDIR = root;
    process.env.TMPDIR = root;
    teardown = () => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
  if (process.env.OLLM_TEST_BUILT !== '1') {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
    process.env.OLLM_TEST_BUILT = '1';
  }
  return teardown;
}
