import { describe, expect, it } from 'vitest';
import { parseModelName } from '../../src/orchestrator/model-name.js';

describe('model names, as ollama pull accepts them', () => {
  it.each([
    ['llama3.2', 'llama3.2:latest'],
    ['llama3.2:1b', 'llama3.2:1b'],
    ['library/llama3.2:latest', 'llama3.2:latest'],
    ['registry.ollama.ai/library/mistral:7b', 'mistral:7b'],
    ['user/model', 'user/model:latest'],
    ['hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M', 'hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M'],
    ['localhost:5000/me/model:v1', 'localhost:5000/me/model:v1'],
    ['qwen2.5-coder:7b-instruct-q4_K_M', 'qwen2.5-coder:7b-instruct-q4_K_M'],
  ])('%s is valid, shown as %s', (input, display) => {
    const r = parseModelName(input);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.name.display).toBe(display);
  });

  it.each([
    ['', /name/],
    ['   ', /name/],
    ['llama 3', /"llama 3"/],
    ['model:', /tag/],
    [':tag', /model|name/],
    ['a//b', /empty|part/],
    ['x/y/z/w', /part|form/i],
    ['https://ollama.com/llama3', /scheme|https|name/i],
    ['model@sha256:abc', /digest|@/],
    ['-model', /model/],
    [`${'a'.repeat(81)}`, /long|80/],
    [`model:${'t'.repeat(81)}`, /long|80/],
  ])('%j is rejected with a precise message', (input, why) => {
    const r = parseModelName(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(why);
      expect(r.error).toMatch(/\[host\/\]\[namespace\/\]name\[:tag\]/);
    }
  });
});
