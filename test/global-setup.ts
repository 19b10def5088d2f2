// Builds dist/ once before the suite, so the end-to-end tests always drive the current code.
// Each test project runs this setup; the build happens once per test run.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env.OLLM_TEST_BUILT === '1') return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  process.env.OLLM_TEST_BUILT = '1';
}
