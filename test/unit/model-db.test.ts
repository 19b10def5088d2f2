import { describe, expect, it } from 'vitest';
import { baseName, describeModel, matchEntry, parameterCount } from '../../src/orchestrator/models/model-db.js';

describe('model database lookup', () => {
  it.each([
    ['llama3.1:8b', 'llama3.1*', 131072],
    ['llama3.2:latest', 'llama3.2*', 131072],
    ['llama3.2-vision:11b', 'llama3.2-vision*', 131072],
    ['llama3', 'llama3*', 8192],
    ['codellama:7b', 'codellama*', 16384],
    ['qwen2.5-coder:7b', 'qwen2.5-coder*', 32768],
    ['qwen2.5:14b', 'qwen2.5*', 32768],
    ['deepseek-coder:6.7b', 'deepseek-coder*', 16384],
    ['deepseek-coder-v2:16b', 'deepseek-coder-v2*', 163840],
    ['mixtral:8x7b', 'mixtral*', 32768],
    ['mistral:7b', 'mistral*', 32768],
    ['phi3:mini', 'phi3*', 131072],
    ['gemma3:1b', 'gemma3:1b*', 32768],
    ['llava:7b', 'llava*', 32768],
    ['nomic-embed-text:latest', 'nomic-embed-text*', 2048],
    ['registry.ollama.ai/library/Mistral:7B', 'mistral*', 32768],
  ])('%s matches %s (ctx %d), the most specific pattern', (name, pattern, ctx) => {
    const entry = matchEntry(name);
    expect(entry?.pattern).toBe(pattern);
    expect(entry?.contextWindow).toBe(ctx);
  });

  it('strips registry and namespace but keeps the tag', () => {
    expect(baseName('hf.co/bartowski/Llama-3.2-3B-GGUF:Q4_K_M')).toBe('llama-3.2-3b-gguf:q4_k_m');
  });

  it('gives unknown models safe defaults', () => {
    const d = describeModel('my-finetune:latest');
    expect(d).toMatchObject({
      family: 'unknown',
      contextWindow: 4096,
      capabilities: ['completion'],
      profiles: ['general'],
      contextSource: 'default',
    });
    expect(d.pattern).toBeUndefined();
  });

  it("lets Ollama's facts win over the database", () => {
    const d = describeModel('llama3.1:8b', {
      family: 'llama',
      contextWindow: 65536,
      capabilities: ['completion', 'tools', 'vision'],
      parameterSize: '8.0B',
    });
    expect(d.contextWindow).toBe(65536);
    expect(d.contextSource).toBe('ollama');
    expect(d.capabilities).toEqual(['completion', 'tools', 'vision']);
    expect(d.profiles).toContain('vision'); // a vision capability adds the vision profile
  });

  it('never offers an embedding-only model for generation', () => {
    expect(describeModel('nomic-embed-text:latest').profiles).toEqual([]);
    expect(describeModel('some-embedder', { capabilities: ['embedding'] }).profiles).toEqual([]);
  });

  it('drops the vision profile when Ollama says the model has no vision (gemma3:1b)', () => {
    const d = describeModel('gemma3:4b', { capabilities: ['completion'], parameterSize: '4.3B' });
    expect(d.profiles).not.toContain('vision');
    expect(d.profiles).toContain('fast'); // small models serve the fast profile
  });

  it('a thinking capability adds the reasoning profile', () => {
    expect(
      describeModel('custom:1', { capabilities: ['completion', 'thinking'], parameterSize: '14B' }).profiles,
    ).toEqual(['general', 'reasoning']);
  });

  it('reads parameter sizes', () => {
    expect(parameterCount('3.2B')).toBe(3.2e9);
    expect(parameterCount('270M')).toBe(2.7e8);
    expect(parameterCount('')).toBeUndefined();
    expect(parameterCount('116829156672')).toBe(116829156672); // cloud models give a raw count
    expect(parameterCount('about 7B')).toBeUndefined();
  });
});
