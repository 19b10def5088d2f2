/**
 * "Did you mean": installed names a typo away from the one written (engines/model-names.ts nearModels, issue
 * 75, finding 5).
 */
import { describe, expect, it } from 'vitest';
import { nearModels } from '../../src/orchestrator/engines/model-names.js';
import { notInstalled } from '../../src/orchestrator/engines/host-error.js';
import { sortModels } from '../../src/orchestrator/jobs/compare-models.js';

const installed = ['llama3.1:8b', 'llama3.2:latest', 'phi3:mini', 'qwen2.5-coder:7b', 'alice/mistral:7b'].map(
  (name) => ({ name }),
);
const near = (wanted: string) => nearModels(installed, wanted).map((m) => m.name);

describe('nearModels', () => {
  it('a letter missing, doubled or swapped, in the model or its tag, under a namespace', () => {
    expect(near('lama3.1:8b')).toEqual(['llama3.1:8b']);
    expect(near('llama3.1:8bb')).toEqual(['llama3.1:8b']);
    expect(near('qwen2.5-cdoer:7b')).toEqual(['qwen2.5-coder:7b']);
    expect(near('bob/mistrl:7b')).toEqual(['alice/mistral:7b']);
    expect(near('llama3.3')).toEqual(['llama3.2:latest']);
  });

  it('the other side: the name itself, a name far from any, a short name two edits away', () => {
    expect(near('llama3.1:8b')).toEqual([]);
    expect(near('mistral-large:123b')).toEqual([]);
    expect(near('phi4:mi')).toEqual([]);
  });
});

describe('notInstalled', () => {
  it('with names a typo away: "Did you mean …?" and how to get it; with none, as before', () => {
    expect(notInstalled('lama3.1:8b', 'h:1', undefined, [], ['llama3.1:8b']).message).toBe(
      'Model "lama3.1:8b" is not installed on Ollama at h:1. Did you mean llama3.1:8b? Name it ' +
        'exactly, or pull it with `ollama pull lama3.1:8b`.',
    );
    expect(notInstalled('x:1b', 'h:1').message).toBe(
      'Model "x:1b" is not installed on Ollama at h:1 — pull it with `ollama pull x:1b`, or pick one from list_models.',
    );
  });
});

// issue 83, finding 7: compare with a typo in a model name said "not installed" with no "did you mean"
describe("compare's models (jobs/compare-models.ts sortModels)", () => {
  const models = installed as unknown as Parameters<typeof sortModels>[1];
  const fit = { contextTokens: 100, promptTokens: 50, split: false, named: true };
  const errorOf = (name: string) => sortModels([name], models, [], fit).results.get(name)?.error;

  it('a name a typo away: "did you mean …?" with the installed name, then how to get it', () => {
    expect(errorOf('lama3.1:8b')).toBe(
      'not installed on any host that answers — did you mean llama3.1:8b? Name it exactly, or pull it with ' +
        '`ollama pull lama3.1:8b`, or see list_models',
    );
  });

  it('the other side: a name far from any is told how to get it, no guess', () => {
    expect(errorOf('mistral-large:123b')).toBe(
      'not installed on any host that answers — pull it with `ollama pull mistral-large:123b`, or see list_models',
    );
  });
});
