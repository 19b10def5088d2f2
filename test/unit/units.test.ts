import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  KEEP_ALIVE_MAX_SECONDS,
  keepAliveProblem,
  parseBudget,
  parseBytes,
  parseDurationMs,
  resolveBudget,
} from '../../src/orchestrator/config/units.js';

describe('units', () => {
  it('parses sizes in decimal and binary units', () => {
    expect(parseBytes('12GB')).toBe(12e9);
    expect(parseBytes('512 MB')).toBe(512e6);
    expect(parseBytes('4GiB')).toBe(4 * 2 ** 30);
    expect(parseBytes(2048)).toBe(2048);
    expect(parseBytes('lots')).toBeUndefined();
    expect(parseBytes(-1)).toBeUndefined();
  });

  it('reads a budget as bytes or a share of RAM', () => {
    expect(parseBudget('80%')).toEqual({ kind: 'percent', percent: 80 });
    expect(parseBudget('12GB')).toEqual({ kind: 'bytes', bytes: 12e9 });
    expect(parseBudget('0%')).toBeUndefined();
    expect(parseBudget('120%')).toBeUndefined();
    expect(resolveBudget({ kind: 'percent', percent: 50 }, 16e9)).toBe(8e9);
  });

  it('reads keep-alive durations as Ollama does', () => {
    expect(parseDurationMs(300)).toBe(300_000);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('-1m')).toBe(-60_000);
    expect(parseDurationMs('0')).toBe(0);
    expect(parseDurationMs('-1')).toBeUndefined(); // Ollama answers 400: missing unit
    expect(parseDurationMs('soon')).toBeUndefined();
  });

  it('bounds a keep-alive at what a Go duration holds (int64 nanoseconds, ~292 years); negative is forever', () => {
    expect(KEEP_ALIVE_MAX_SECONDS).toBe(Math.floor(Number(2n ** 63n - 1n) / 1e9));
    for (const ok of [
      300,
      KEEP_ALIVE_MAX_SECONDS,
      KEEP_ALIVE_MAX_SECONDS + 0.5,
      -1,
      -1e300,
      '15m',
      '2562047h',
      '2562047h47m16s',
      '-1m',
      '-2562047h',
    ]) {
      expect(keepAliveProblem(ok), String(ok)).toBeUndefined();
    }
    for (const tooLong of [KEEP_ALIVE_MAX_SECONDS + 1, 1e12, Number.MAX_VALUE, '2562048h', '3000000h', '-3000000h']) {
      const problem = keepAliveProblem(tooLong);
      expect(problem, String(tooLong)).toMatch(
        /^at most 9223372036 seconds, about 292 years, the longest keep-alive Ollama accepts — use -1 \(or any negative number\) to keep the model loaded forever$/,
      );
    }
    expect(keepAliveProblem('soon')).toMatch(/a number of seconds or a duration like "10m"/);
    // Ollama counts whole seconds, and keep_alive 0 on a load is an unload (server/routes.go)
    for (const unload of [0, 0.5, -0.5, '0', '0s', '0m'])
      expect(keepAliveProblem(unload), String(unload)).toMatch(
        /^not 0: keep_alive 0 makes Ollama unload the model at once — to unload a model, use unload_model$/,
      );
  });

  it('formats bytes like Ollama (decimal)', () => {
    expect(formatBytes(4_661_224_676)).toBe('4.7 GB');
    expect(formatBytes(274_302_450)).toBe('274.3 MB');
    expect(formatBytes(512)).toBe('512 B');
  });
});
