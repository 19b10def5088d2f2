import { describe, expect, it } from 'vitest';
import { recordOutcome, type EvidenceBook, type Outcome } from '../../src/orchestrator/generation/learning-evidence.js';
import { selectModel } from '../../src/orchestrator/generation/router.js';
import { type RouteCandidate } from '../../src/orchestrator/generation/routing-shapes.js';
import { random } from '../helpers/random.js';

const GB = 1e9;
const model = (name: string, over: Partial<RouteCandidate> = {}): RouteCandidate => ({
  name,
  sizeBytes: 4.7 * GB,
  family: 'llama',
  parameterSize: '7B',
  capabilities: ['completion'],
  profiles: ['code'],
  loaded: false,
  fits: true,
  fitsNow: true,
  requiredBytes: 5.6 * GB,
  contextWindow: 32768,
  ...over,
});
const a = model('qwen2.5-coder:7b');
const b = model('codellama:7b');
const general = model('llama3.1:8b', { parameterSize: '8B', profiles: ['general', 'code'] });
const settings = { defaultProfile: 'general' as const, overrides: {} };
const book = (model: string, o: Outcome, n: number, start: EvidenceBook = {}): EvidenceBook =>
  Array.from({ length: n }).reduce<EvidenceBook>((bk) => recordOutcome(bk, { model, work: 'code' }, o), start);
const bad: Outcome = { kind: 'verdict', good: false };
const good: Outcome = { kind: 'verdict', good: true };

describe('the router with learning', () => {
  it('without evidence for the work the table order stands', () => {
    const plain = selectModel({ task: 'code' }, [a, b, general], settings)!;
    const learned = selectModel({ task: 'code' }, [a, b, general], {
      ...settings,
      learning: { book: {}, rng: random(1) },
    })!;
    expect(learned.ranked.map((r) => r.model)).toEqual(plain.ranked.map((r) => r.model));
    // evidence for other work changes nothing for code
    const other = recordOutcome({}, { model: b.name, work: 'general' }, good);
    expect(
      selectModel({ task: 'code' }, [a, b, general], {
        ...settings,
        learning: { book: other, rng: random(1) },
      })!.ranked.map((r) => r.model),
    ).toEqual(plain.ranked.map((r) => r.model));
  });

  it('a code model with a bad record goes behind its peer, whatever the draws, and the reason cites the record', () => {
    const plain = selectModel({ task: 'code' }, [a, b], settings)!;
    const loser = plain.model;
    const winner = loser === a.name ? b.name : a.name;
    for (let seed = 1; seed <= 50; seed++) {
      const s = selectModel({ task: 'code' }, [a, b], {
        ...settings,
        learning: { book: book(loser, bad, 8), rng: random(seed) },
      })!;
      expect(s.model).toBe(winner);
    }
    const withRecord = book(winner, good, 8, book(loser, bad, 8));
    expect(
      selectModel({ task: 'code' }, [a, b], { ...settings, learning: { book: withRecord, rng: random(3) } })!.reason,
    ).toMatch(/good on 8 of 8 code answers here/);
  });

  it('what the user configured or preferred stays first, whatever was learned', () => {
    const learning = { book: book(a.name, bad, 10), rng: random(7) };
    expect(selectModel({ task: 'code' }, [a, b], { ...settings, overrides: { code: a.name }, learning })!.model).toBe(
      a.name,
    );
    expect(selectModel({ task: 'code' }, [a, b], { ...settings, preferred: { code: a.name }, learning })!.model).toBe(
      a.name,
    );
  });

  it('code stays with code specialists: a general model with a good code record is not preferred over them', () => {
    const learning = { book: book(general.name, good, 10, book(a.name, bad, 3)), rng: random(5) };
    const s = selectModel({ task: 'code' }, [a, b, general], { ...settings, learning })!;
    expect([a.name, b.name]).toContain(s.model);
  });
});
