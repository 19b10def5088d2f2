import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import {
  normalizeKey,
  promptAddition,
  PROMPT_HEADER,
  rankEntries,
  words,
  type MemoryEntry,
} from '../../src/orchestrator/memory/memory-search.js';

let clock = Date.parse('2026-01-01T00:00:00Z');
function entry(key: string, value: string, extra: Partial<MemoryEntry> = {}): MemoryEntry {
  const at = new Date((clock += 60_000)).toISOString();
  return { key, value, category: 'fact', source: 'user', createdAt: at, updatedAt: at, accessCount: 0, ...extra };
}

describe('memory words and keys', () => {
  it('lower-cases, drops stopwords and a plural s, keeps numbers', () => {
    expect(words('What are the Languages I use? Python 3 and Go')).toEqual(['language', 'use', 'python', '3', 'go']);
    expect(words('class glass')).toEqual(['class', 'glass']); // "ss" is not a plural
  });
  it('matches keys ignoring case and spacing', () => {
    expect(normalizeKey('  Preferred   Language ')).toBe('preferred language');
  });
});

describe('ranking', () => {
  const editor = entry('editor', 'The user edits code in Neovim');
  const lang = entry('preferred language', 'TypeScript with strict mode');
  const pet = entry('pet', 'A cat called Miso');
  const langOld = entry('first language', 'learnt Pascal at school', { updatedAt: '2020-01-01T00:00:00Z' });
  const all = [editor, lang, pet, langOld];

  it('returns only entries that match, key words above value words', () => {
    const ranked = rankEntries(all, 'language');
    expect(ranked.map((r) => r.entry.key)).toEqual(['preferred language', 'first language']);
    const byValue = rankEntries(
      [entry('tools', 'uses the python language'), entry('python', 'version 3.12')],
      'python',
    );
    expect(byValue[0]!.entry.key).toBe('python');
  });
  it('rarer words weigh more than common ones', () => {
    const many = [
      entry('a', 'code review style'),
      entry('b', 'code formatting'),
      entry('c', 'code with Rust'),
      entry('d', 'likes Rust macros'),
    ];
    // "code" is in three entries, "macros" in one: the entry with the rare word wins
    expect(rankEntries(many, 'code macros')[0]!.entry.key).toBe('d');
  });
  it('ties go to the newer entry, then the more used one', () => {
    const a = entry('x', 'tea', { updatedAt: '2026-02-01T00:00:00Z', accessCount: 1 });
    const b = entry('y', 'tea', { updatedAt: '2026-03-01T00:00:00Z', accessCount: 0 });
    const c = entry('z', 'tea', { updatedAt: '2026-03-01T00:00:00Z', accessCount: 5 });
    expect(rankEntries([a, b, c], 'tea').map((r) => r.entry.key)).toEqual(['z', 'y', 'x']);
  });
  it('a word the query begins matches (prefer → preferences), weaker than the whole word', () => {
    const r = rankEntries([entry('preferences', 'dark mode'), entry('prefer', 'short answers')], 'prefer');
    expect(r.map((x) => x.entry.key)).toEqual(['prefer', 'preferences']);
  });
  it('the exact key comes first', () => {
    expect(
      rankEntries(
        [entry('deploy target', 'fly.io, deploy with flyctl deploy deploy'), entry('deploy', 'via CI')],
        'deploy',
      )[0]!.entry.key,
    ).toBe('deploy');
  });
  it('a query of stopwords only finds nothing', () => {
    expect(rankEntries(all, 'what is the')).toEqual([]);
  });
});

describe('memories in a prompt', () => {
  const facts = [
    entry('preferred language', 'TypeScript with strict mode'),
    entry('answer style', 'Short answers, no preamble', { category: 'preference' }),
    entry('pet', 'A cat called Miso'),
  ];

  it('puts relevant entries first, then preferences, then the rest', () => {
    const { text } = promptAddition(facts, 'Which language should this script use?', 500);
    expect(text.split('\n')).toEqual([
      PROMPT_HEADER,
      '- preferred language: TypeScript with strict mode',
      '- answer style: Short answers, no preamble',
      '- pet: A cat called Miso',
    ]);
  });
  it('never exceeds the budget, and a budget of 0 adds nothing', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      entry(`fact ${i}`, `value number ${i} with some words to take space`),
    );
    let previous = 0;
    for (const budget of [45, 90, 150, 333]) {
      const { text, used } = promptAddition(many, 'value number 7', budget);
      expect(estimateTokens(text)).toBeLessThanOrEqual(budget);
      expect(used[0]!.key).toBe('fact 7'); // the one the prompt names comes first
      expect(used.length).toBeGreaterThan(previous); // a bigger budget carries more
      previous = used.length;
    }
    expect(promptAddition(many, 'value', 0)).toEqual({ text: '', used: [] });
    expect(promptAddition(many, 'value', 5).text).toBe(''); // not even the header fits
  });
  it('skips an entry too long for what is left and keeps filling with shorter ones', () => {
    const long = entry('essay', 'word '.repeat(400));
    const { used } = promptAddition([long, entry('short', 'fits')], 'essay short', 60);
    expect(used.map((e) => e.key)).toEqual(['short']);
  });
  it('in a long prompt, words most entries share do not decide what is relevant', () => {
    const many = [
      ...Array.from({ length: 6 }, (_, i) => entry(`team fact ${i}`, `the team project uses tool ${i}`)),
      entry('deploy', 'the team project deploys with flyctl'),
    ];
    const prompt = 'Our team project needs a deploy script for the staging servers please';
    // not the six that only share "team project"
    expect(rankEntries(many, prompt).map((r) => r.entry.key)).toEqual(['deploy']);
    expect(promptAddition(many, prompt, 500).used[0]!.key).toBe('deploy');
    expect(rankEntries(many, 'team project')).toHaveLength(7); // a short search still uses every word
  });

  it('flattens multi-line values to one line each', () => {
    const { text } = promptAddition([entry('setup', 'line one\n  line two')], 'setup', 100);
    expect(text).toContain('- setup: line one line two');
  });
});
