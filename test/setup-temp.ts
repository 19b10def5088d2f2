// Runs in every test file.
//
// The temporary folders the file made (test/helpers/temp.ts) are removed once its last hook has run
// (after-hooks run in reverse order, so this one comes after the file's own, which stop the servers
// using those folders) — and before that, the HTTP servers a test that failed left running are
// killed (test/helpers/left-open.ts).
//
// The server's own log lines ("[ollm-mcp] …" on stderr, from the orchestrator running inside a test)
// go to the test's console instead, so the report shows them only for a test that fails (silent:
// 'passed-only' in vitest.config.ts). A test spying on process.stderr.write still sees them.
import { afterAll } from 'vitest';
import { killLeftOpen } from './helpers/left-open.js';
import { removeTempDirs } from './helpers/temp.js';

// the servers a failed test left running stopped first (helpers/left-open.ts), then their folders removed
afterAll(removeTempDirs);
afterAll(killLeftOpen);

const WRAPPED = Symbol.for('ollm.test.stderr-to-console');
const stderr = process.stderr as NodeJS.WriteStream & { [WRAPPED]?: true };
if (!stderr[WRAPPED]) {
  stderr[WRAPPED] = true;
  const write = stderr.write.bind(stderr) as (...args: unknown[]) => boolean;
  let inside = false;
  stderr.write = function (chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString() : '';
    if (!inside && text.startsWith('[ollm-mcp] ')) {
      inside = true;
      try {
        console.error(text.replace(/\n$/, ''));
      } finally {
        inside = false;
      }
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }
    return write(chunk, ...rest);
  } as typeof stderr.write;
}
