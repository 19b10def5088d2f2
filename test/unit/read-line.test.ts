// The read line of a file-reading result (issue 62, item 5): each input's size, and the total only
// when more than one input was read — one input's size is not said twice.
import { describe, expect, it } from 'vitest';
import { readLine, type ReadSummary } from '../../src/tools/offload-io.js';

const entry = (path: string, bytes: number, tokens: number) => ({
  path,
  kind: 'text' as const,
  bytes,
  tokens,
  encoding: 'utf-8',
});
const summary = (read: ReturnType<typeof entry>[], skipped: ReadSummary['skipped'] = []): ReadSummary => ({
  read,
  skipped,
  bytes: read.reduce((n, r) => n + r.bytes, 0),
  tokens: read.reduce((n, r) => n + r.tokens, 0),
});

describe('readLine', () => {
  it('says one input and its size once', () => {
    expect(readLine(summary([entry('logs/app.log', 300_000, 75_000)]))).toBe(
      'Read 1 input: logs/app.log (300.0 KB, ~75000 tokens).',
    );
  });

  it('says each of several inputs, then their total', () => {
    expect(readLine(summary([entry('a.ts', 100, 25), entry('b.ts', 300, 75)]))).toBe(
      'Read 2 inputs: a.ts (100 B, ~25 tokens), b.ts (300 B, ~75 tokens) — 400 B, ~100 tokens.',
    );
  });

  it('says what was left out, with or without anything read, and nothing when nothing was named', () => {
    const skipped = [{ path: 'big.bin', reason: 'binary' }];
    expect(readLine(summary([entry('a.ts', 100, 25)], skipped))).toBe(
      'Read 1 input: a.ts (100 B, ~25 tokens). Left out: big.bin (binary).',
    );
    expect(readLine(summary([], skipped))).toBe('Read 0 inputs. Left out: big.bin (binary).');
    expect(readLine(summary([]))).toBeUndefined();
    expect(readLine(undefined)).toBeUndefined();
  });
});
