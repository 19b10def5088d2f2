import { describe, expect, it } from 'vitest';
import { findModel, isModel, modelKey, similarModels } from '../../src/orchestrator/models/model-db.js';

const installed = [
  'alice/llama3:latest',
  'llama3:latest',
  'llama3.1:8b',
  'llama3.1:70b',
  'registry.example.com/team/coder:7b',
].map((name) => ({ name }));

describe("model identity as Ollama's types/model/name.go defines it", () => {
  it('fills in registry.ollama.ai, library and latest, and ignores case', () => {
    expect(modelKey('llama3')).toBe('registry.ollama.ai/library/llama3:latest');
    expect(modelKey('Library/Llama3:LATEST')).toBe('registry.ollama.ai/library/llama3:latest');
    expect(modelKey('alice/llama3')).toBe('registry.ollama.ai/alice/llama3:latest');
    expect(modelKey('registry.example.com/team/coder:7b')).toBe('registry.example.com/team/coder:7b');
  });

  it('"llama3" is library/llama3, never another namespace’s llama3, whatever the order of the list', () => {
    expect(findModel(installed, 'llama3')?.name).toBe('llama3:latest');
    expect(findModel([...installed].reverse(), 'llama3')?.name).toBe('llama3:latest');
    expect(findModel(installed, 'alice/llama3')?.name).toBe('alice/llama3:latest');
    expect(findModel([{ name: 'alice/llama3:latest' }], 'llama3')).toBeUndefined();
    expect(isModel('alice/llama3:latest', 'llama3')).toBe(false);
  });

  it('a tag is part of the name: "llama3.1" is llama3.1:latest, and the installed tags are offered instead', () => {
    expect(findModel(installed, 'llama3.1')).toBeUndefined();
    expect(similarModels(installed, 'llama3.1').map((m) => m.name)).toEqual(['llama3.1:8b', 'llama3.1:70b']);
    expect(similarModels(installed, 'LLAMA3').map((m) => m.name)).toEqual(['alice/llama3:latest', 'llama3:latest']);
    expect(findModel(installed, 'team/coder:7b')).toBeUndefined(); // another registry's model needs its host
    expect(findModel(installed, 'REGISTRY.example.com/team/Coder:7B')?.name).toBe('registry.example.com/team/coder:7b');
  });
});
