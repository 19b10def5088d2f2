// Builds dist/ once before the suite, so the end-to-end tests always drive the current code.
// Each test project runs this setup; the build happens once per test run, and not at all when only
// the unit tests run (`npm run test:unit`: they import the sources, never dist/).
//
// The run also gets a temporary folder of its own: the temporary directory of the test workers
// (and of anything they start) points into it, and it is removed when the run ends, so nothing a
// test leaves behind outlives the run. Each test file also removes its own folders as it ends
// (test/setup-temp.ts). Where the processes of one user meet (the shared server's socket, the engine
// claims: src/server/shared/rendezvous.ts) is a folder of the run's too, standing in for the
// machine's runtime folder and /tmp — short, in /tmp itself, so a socket path in it stays inside
// the limit however long $TMPDIR is.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/** Projects that need no dist/: the unit tests, and the root project (whose own setup runs in every run). */
const NO_BUILD = new Set(['unit']);

/**
 * The run's stand-ins for the runtime folder and for /tmp (OLLM_TEST_RUNTIME_DIR, OLLM_TEST_LAST_RESORT), in one
 * folder of /tmp; returns it.
 */
function meetingFolders(): string {
  const meet = mkdtempSync('/tmp/ollm-rt-');
  for (const [name, variable] of [
    ['r', 'OLLM_TEST_RUNTIME_DIR'],
    ['l', 'OLLM_TEST_LAST_RESORT'],
  ] as const) {
    mkdirSync(join(meet, name), { mode: 0o700 });
    process.env[variable] = join(meet, name);
  }
  return meet;
}

export default function setup(project?: TestProject): (() => void) | undefined {
  let teardown: (() => void) | undefined;
  if (!process.env.OLLM_TEST_TMPDIR) {
    const root = mkdtempSync(join(tmpdir(), 'ollm-test-run-'));
    const meet = meetingFolders();
    process.env.OLLM_TEST_TMPDIR = root;
    process.env.TMPDIR = root;
    teardown = () => {
      for (const dir of [root, meet]) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    };
  }
  const needsBuild = !project || (!project.isRootProject() && !NO_BUILD.has(project.name));
  if (needsBuild && process.env.OLLM_TEST_BUILT !== '1') {
    try {
      execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
    } catch (err) {
      // a build that fails ends the run before any teardown is returned: the run's folder goes now
      teardown?.();
      throw err;
    }
    process.env.OLLM_TEST_BUILT = '1';
  }
  return teardown;
}
