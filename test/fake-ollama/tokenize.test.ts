/**
 * The fake's tokenizer: BPE-like counts, pieces that give the text back, and how the server's own estimate
 * compares.
 */
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import { addsBos, countTokens, tokenize } from './tokenize.js';
import { DIFF, LOGS, PROSE, REAL_LLAMA3, TYPESCRIPT, logLines } from './token-samples.js';

describe('the fake tokenizer', () => {
  it('counts words, digits, symbols, white space and special tokens the way a BPE tokenizer does', () => {
    const cases: Array<[string, number]> = [
      ['', 0],
      ['The quick brown fox', 4], // a common word with its space is one token
      [' internationalization', 4], // long words: one token per 6 letters
      ['123', 1],
      ['2025', 2], // digits in groups of 3
      ['});', 1], // short symbol runs merge
      ['!==', 1],
      ['=======', 5],
      ['    return x;', 4], // indentation, ' return', ' x', ';'
      ["it's", 2],
      ['<|eot_id|>', 1],
      ['你好世界', 4], // CJK: a token per character
      ['🙂🙂', 2],
      ['Привет', 2], // other non-ASCII letters: about one token per 3 letters (Llama 3: 'При', 'вет')
      ['a\n\n\nb', 3],
    ];
    for (const [text, n] of cases) expect({ text, n: countTokens(text) }).toEqual({ text, n });
  });

  it('cuts text into one piece per token that join back into the text', () => {
    for (const text of [PROSE, TYPESCRIPT, DIFF, LOGS, 'Hello, world! 你好世界 🙂 <|eot_id|> naïve café', '']) {
      const pieces = tokenize(text);
      expect(pieces.join('')).toBe(text);
      expect(pieces.length).toBe(countTokens(text));
    }
    expect(tokenize(' internationalization')).toEqual([' inte', 'rnati', 'onali', 'zation']);
  });

  it('is within 10% of the real Llama 3 tokenizer on prose, TypeScript, a diff and logs', () => {
    const samples = { prose: PROSE, typescript: TYPESCRIPT, diff: DIFF, logs: LOGS };
    for (const [kind, text] of Object.entries(samples)) {
      const real = REAL_LLAMA3[kind as keyof typeof REAL_LLAMA3];
      const ratio = countTokens(text) / real;
      expect({ kind, close: ratio > 0.9 && ratio < 1.1 }).toEqual({ kind, close: true });
    }
  });

  it('knows which model families add a BOS token', () => {
    expect(['llama', 'gemma3', 'phi3'].map(addsBos)).toEqual([true, true, true]);
    expect(['qwen2', 'qwen3', 'gptoss'].map(addsBos)).toEqual([false, false, false]);
  });
});

describe("the server's estimateTokens against the fake tokenizer", () => {
  it('estimates at least as many tokens for English prose, 50 lines of TypeScript and a unified diff', () => {
    expect(TYPESCRIPT.trimEnd().split('\n')).toHaveLength(50);
    for (const [kind, text] of Object.entries({ prose: PROSE, typescript: TYPESCRIPT, diff: DIFF })) {
      expect({ kind, enough: estimateTokens(text) >= countTokens(text) }).toEqual({ kind, enough: true });
    }
  });

  // Logs are the hard case: timestamps, numbers and IPs are cut into many short tokens ("2025" is
  // 2, "10:21:07.123Z" is 7); estimateTokens weighs digits and the symbols after them for it.
  it('estimates at least as many tokens for 50 log lines', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const logs = logLines(seed);
      expect(logs.split('\n')).toHaveLength(50);
      expect(estimateTokens(logs)).toBeGreaterThanOrEqual(countTokens(logs));
    }
  });
});
