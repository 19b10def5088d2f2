/** The test helper that stops server processes a failed test left running (helpers/left-open.ts). */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { killAtEnd, killLeftOpenWithin } from '../helpers/left-open.js';

describe('processes left open by a test', () => {
  it(
    'are stopped at the end of the file — one that ignores SIGTERM too, by SIGKILL — and one ' +
      'that exited is not touched',
    async () => {
      const polite = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      const stubborn = spawn(
        process.execPath,
        ['-e', "process.on('SIGTERM', () => {}); process.stdout.write('ready'); setInterval(() => {}, 1000)"],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const ready = new Promise((r) => stubborn.stdout.once('data', r));
      const done = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      await new Promise((r) => done.once('exit', r));
      await ready; // the stubborn one has its handler
      for (const c of [polite, stubborn, done]) killAtEnd(c);
      await killLeftOpenWithin(200); // the grace before SIGKILL (2 s at the end of a file)
      expect(polite.signalCode).toBe('SIGTERM');
      expect(stubborn.signalCode).toBe('SIGKILL');
      expect(done.exitCode).toBe(0);
    },
  );
});
