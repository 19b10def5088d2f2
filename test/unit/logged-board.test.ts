import { describe, expect, it } from 'vitest';
import { LoggedBoard, phaseLevel, type PhaseLogLevel } from '../../src/orchestrator/progress/logged.js';
import type { Phase } from '../../src/orchestrator/progress/phases.js';
import type { PhaseBoard } from '../../src/orchestrator/progress/progress.js';

const speed = { bytesPerSecond: 1e9, measured: true };
const loading: Phase = { kind: 'loading', model: 'qwen3:8b', sizeBytes: 5e9, estimateMs: 5000, speed };
const tokens = (n: number): Phase => ({
  kind: 'generating',
  model: 'qwen3:8b',
  tokens: n,
  maxTokens: 100,
  tokensPerSecond: 10,
});

function board(inner?: PhaseBoard) {
  const lines: Array<{ level: PhaseLogLevel; text: string }> = [];
  return { lines, b: new LoggedBoard((level, text) => lines.push({ level, text }), inner) };
}

describe('long work as log lines', () => {
  it('one line when a phase begins, none for updates within it', () => {
    const { lines, b } = board();
    b.enter(loading);
    b.enter({ ...loading, estimateMs: 4000 }); // the same load, updated
    b.enter(tokens(1));
    b.enter(tokens(2));
    b.enter(tokens(3));
    expect(lines.map((l) => l.text)).toEqual([
      expect.stringMatching(/^loading qwen3:8b \(5\.0 GB\)/),
      'qwen3:8b: 1 token generated, 10 tok/s',
    ]);
  });

  it('a fallback is a warning, loads and unloads news, generating detail', () => {
    expect(phaseLevel({ kind: 'fallback', from: 'a', error: 'boom' })).toBe('warning');
    expect(phaseLevel(loading)).toBe('info');
    expect(phaseLevel({ kind: 'unloading', models: ['a'] })).toBe('info');
    expect(phaseLevel(tokens(1))).toBe('debug');
    const { lines, b } = board();
    b.enter({ kind: 'fallback', from: 'llama3.2:latest', error: 'x'.repeat(500) });
    expect(lines[0]!.level).toBe('warning');
    expect(lines[0]!.text).toMatch(/^llama3\.2:latest failed \(x{200}…\); trying the next model$/);
  });

  it('each lane is followed on its own, with the note before it, and the progress reporter still sees every phase', () => {
    const seen: Phase[] = [];
    const inner: PhaseBoard = {
      enter: (p) => seen.push(p),
      note: () => undefined,
      lane: () => ({ enter: (p) => seen.push(p), end: () => undefined }),
    };
    const { lines, b } = board(inner);
    b.note('1 of 2 parts done');
    const one = b.lane('part 1');
    const two = b.lane('part 2');
    one.enter(loading);
    two.enter(loading);
    one.enter({ ...loading });
    one.end();
    one.enter(loading); // a lane begun again starts afresh
    expect(lines.map((l) => l.text.split(' (')[0])).toEqual([
      '1 of 2 parts done: loading qwen3:8b',
      '1 of 2 parts done: loading qwen3:8b',
      '1 of 2 parts done: loading qwen3:8b',
    ]);
    expect(seen).toHaveLength(4);
  });
});
