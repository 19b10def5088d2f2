import { describe, expect, it } from 'vitest';
import { couldBe, defaultProfileFor } from '../../src/orchestrator/generation/default-profile.js';

const facts = (prompt: string, over: Partial<Parameters<typeof defaultProfileFor>[0]> = {}) =>
  defaultProfileFor({
    defaultProfile: 'code',
    task: 'general',
    explicit: false,
    preferredGeneral: undefined,
    prompt,
    ...over,
  });

describe('a default profile applies to work of its own kind only', () => {
  it('sends general work that speaks of the project to the code profile', () => {
    for (const p of [
      'How should we name our git branches and tags?',
      'What does the build do before the tests run?',
      'Is parseConfig a good name?',
      'Explain src/server/http.ts to me',
      'what is in `package.json`?',
    ]) {
      expect(facts(p), p).toBe('code');
    }
  });

  it('leaves other general work general', () => {
    for (const p of [
      'What are some good things to see in Lisbon?',
      'Who painted the Mona Lisa?',
      'Give me ideas for a birthday dinner',
      'How tall is Mount Everest?',
    ]) {
      expect(facts(p), p).toBeUndefined();
    }
  });

  it('never overrides what the caller asked, what was inferred, or a preference for general work', () => {
    expect(facts('How should we name our branches?', { explicit: true })).toBeUndefined();
    expect(facts('How should we name our branches?', { task: 'creative' })).toBeUndefined();
    expect(facts('How should we name our branches?', { preferredGeneral: 'llama3.1:8b' })).toBeUndefined();
    expect(facts('How should we name our branches?', { defaultProfile: 'general' })).toBeUndefined();
  });

  it("knows the other profiles' kinds", () => {
    expect(couldBe('creative', 'ideas for a story set in Lisbon')).toBe(true);
    expect(couldBe('creative', 'train times to Lisbon')).toBe(false);
    expect(couldBe('fast', 'capital of Peru?')).toBe(true);
    expect(couldBe('vision', 'anything')).toBe(false);
  });
});
