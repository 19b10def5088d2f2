// A pure function of a string remembered (util/memo.ts): the same answers as the function, each string
// computed once while remembered; never more than its limit of strings kept, and no string longer than
// its bound — a flood of names, or one huge one, costs time, never memory.
import { describe, expect, it } from 'vitest';
import { remembered } from '../../src/orchestrator/util/memo.js';
import { modelKey } from '../../src/orchestrator/engines/model-names.js';

describe('a remembered function', () => {
  it('answers as the function does, computing each string once while remembered', () => {
    const asked: string[] = [];
    const upper = remembered((s) => (asked.push(s), s.toUpperCase()), 3, 10);
    expect([upper('a'), upper('b'), upper('a'), upper('a')]).toEqual(['A', 'B', 'A', 'A']);
    expect(asked).toEqual(['a', 'b']);
    const none = remembered((s) => (asked.push(s), s === 'x' ? undefined : s), 3, 10);
    expect([none('x'), none('x')]).toEqual([undefined, undefined]);
    expect(asked.filter((s) => s === 'x')).toHaveLength(1); // an undefined answer is remembered too
  });

  it('keeps at most its limit, and no string past its bound', () => {
    const asked: string[] = [];
    const same = remembered((s) => (asked.push(s), s.length), 100, 8);
    for (let i = 0; i < 5000; i++) same(`name${i}`);
    expect(same.size).toBeLessThanOrEqual(100);
    expect(same.size).toBeGreaterThan(0);
    const huge = 'm'.repeat(1_000_000);
    expect(same(huge)).toBe(1_000_000);
    expect(same(huge)).toBe(1_000_000);
    expect(asked.filter((s) => s === huge)).toHaveLength(2); // computed each time, never kept
  });

  it("model names keep Ollama's identity", () => {
    expect(modelKey('Llama3')).toBe('registry.ollama.ai/library/llama3:latest');
    expect(modelKey('Llama3')).toBe('registry.ollama.ai/library/llama3:latest');
    expect(modelKey('alice/llama3:8B')).toBe('registry.ollama.ai/alice/llama3:8b');
    expect(modelKey(`x/${'y'.repeat(300)}:t`)).toBe(`registry.ollama.ai/x/${'y'.repeat(300)}:t`);
  });
});
