/**
 * Learning that keeps the machine calm (issue 33): exploring never pays for a load that is most of
 * the work or that evicts another model; fast work never goes to a model many times the smallest
 * that suits it; and until the agent has given a verdict on the work, what is only measured
 * (failures, speed) never moves it to a model larger than the table's choice.
 */
import { describe, expect, it } from 'vitest';
import {
  chooseLearned,
  recordOutcome,
  type EvidenceBook,
  type Outcome,
  type WorkKind,
} from '../../src/orchestrator/generation/learning.js';
import { selectModel } from '../../src/orchestrator/generation/router.js';
import { type RouteCandidate } from '../../src/orchestrator/generation/routing-shapes.js';
import { FAST_SIZE_FACTOR } from '../../src/orchestrator/generation/router-learning.js';
import { random } from '../helpers/random.js';

const GB = 1e9;
const model = (name: string, over: Partial<RouteCandidate> = {}): RouteCandidate => ({
  name,
  sizeBytes: 2 * GB,
  family: 'llama',
  parameterSize: '3B',
  capabilities: ['completion'],
  profiles: ['general', 'fast'],
  loaded: false,
  fits: true,
  fitsNow: true,
  requiredBytes: 2.5 * GB,
  contextWindow: 32768,
  ...over,
});
const settings = { defaultProfile: 'general' as const, overrides: {} };
const book = (model: string, work: WorkKind, o: Outcome, n: number, start: EvidenceBook = {}): EvidenceBook =>
  Array.from({ length: n }).reduce<EvidenceBook>((bk) => recordOutcome(bk, { model, work }, o), start);
const good: Outcome = { kind: 'verdict', good: true };
const bad: Outcome = { kind: 'verdict', good: false };
const picks = (f: (seed: number) => string, seeds = 60) => new Set(Array.from({ length: seeds }, (_, s) => f(s + 1)));

describe('fast work', () => {
  it(`never goes to a model more than ${FAST_SIZE_FACTOR}× the smallest that suits it, whatever its record`, () => {
    const phi = model('phi3:mini', { sizeBytes: 2.2 * GB, parameterSize: '3.8B' });
    const small = model('llama3.2:latest');
    const mixtral = model('mixtral:8x7b', { sizeBytes: 26 * GB, parameterSize: '46.7B', loaded: true });
    const learning = (seed: number) => ({
      book: book(mixtral.name, 'fast', good, 30, book(small.name, 'fast', bad, 5, book(phi.name, 'fast', bad, 5))),
      rng: random(seed),
    });
    const chosen = picks(
      (seed) =>
        selectModel({ task: 'fast', complexity: 'low' }, [phi, small, mixtral], {
          ...settings,
          learning: learning(seed),
        })!.model,
    );
    expect(chosen.has(mixtral.name)).toBe(false);
    // within the bound the record still counts: a 2× model with the better record is chosen
    const mid = model('qwen2.5:7b', { sizeBytes: 4.7 * GB, parameterSize: '7.6B', loaded: true });
    const learned = picks(
      (seed) =>
        selectModel({ task: 'fast', complexity: 'low' }, [small, mid], {
          ...settings,
          learning: { book: book(mid.name, 'fast', good, 30, book(small.name, 'fast', bad, 10)), rng: random(seed) },
        })!.model,
    );
    expect(learned.has(mid.name)).toBe(true);
  });
});

describe('before any verdict', () => {
  const small = model('llama3.2:latest', { loaded: true });
  const big = model('qwen2.5:14b', { sizeBytes: 9 * GB, parameterSize: '14.8B' });
  const failures = book(small.name, 'general', { kind: 'failure' }, 3, book(small.name, 'general', { kind: 'cut' }, 2));

  it("failures and speed alone never move general work from the table's choice to a larger model", () => {
    const plain = selectModel({ task: 'general', complexity: 'low' }, [small, big], settings)!;
    expect(plain.model).toBe(small.name); // the premise: the table picks the small one for this work
    const chosen = picks(
      (seed) =>
        selectModel({ task: 'general', complexity: 'low' }, [small, big], {
          ...settings,
          learning: { book: failures, rng: random(seed) },
        })!.model,
    );
    expect([...chosen]).toEqual([small.name]);
  });

  it("speed alone never moves work off the table's choice; its failures move it to a model no larger", () => {
    const twin = model('phi3:mini', { loaded: true });
    const speed = (m: string, tps: number, start: EvidenceBook = {}) =>
      book(m, 'general', { kind: 'speed', tokensPerSecond: tps }, 10, start);
    const fasterTwin = speed(twin.name, 120, speed(small.name, 4));
    const bySpeed = picks(
      (seed) =>
        selectModel({ task: 'general', complexity: 'low' }, [small, twin], {
          ...settings,
          learning: { book: fasterTwin, rng: random(seed) },
        })!.model,
    );
    expect([...bySpeed]).toEqual([small.name]);
    const failing = book(small.name, 'general', { kind: 'failure' }, 6);
    const byFailures = picks(
      (seed) =>
        selectModel({ task: 'general', complexity: 'low' }, [small, twin, big], {
          ...settings,
          learning: { book: failing, rng: random(seed) },
        })!.model,
    );
    expect(byFailures.has(twin.name)).toBe(true);
    expect(byFailures.has(big.name)).toBe(false);
  });

  it('once the agent has judged answers, a larger model with the better record is chosen', () => {
    const judged = book(big.name, 'general', good, 20, book(small.name, 'general', bad, 20, failures));
    const chosen = picks(
      (seed) =>
        selectModel({ task: 'general', complexity: 'low' }, [small, big], {
          ...settings,
          learning: { book: judged, rng: random(seed) },
        })!.model,
    );
    expect(chosen.has(big.name)).toBe(true);
  });
});

describe('exploring', () => {
  // two general models the table rates alike: the second is close enough to be tried
  const leader = {
    name: 'a:7b',
    profiles: ['general'] as const,
    sizeBytes: 4.7 * GB,
    parameterSize: '7B',
    loaded: true,
  };
  const other = {
    name: 'b:7b',
    profiles: ['general'] as const,
    sizeBytes: 4.7 * GB,
    parameterSize: '7B',
    loaded: false,
    coldLoadSeconds: 1,
  };
  const drawn = (o: typeof other & { fitsFree?: boolean }) =>
    picks(
      (seed) =>
        chooseLearned([leader, o], 'general', { rng: random(seed), explore: true, outputTokens: 400 })!.candidate.name,
      200,
    );

  it('tries a model not loaded when its load is cheap and fits in free memory', () => {
    expect(drawn({ ...other, fitsFree: true }).has(other.name)).toBe(true);
  });

  it('never loads a model to explore when that would unload another, or when the load is most of the work', () => {
    expect([...drawn({ ...other, fitsFree: false })]).toEqual([leader.name]);
    expect([...drawn({ ...other })]).toEqual([leader.name]); // unknown free memory: not risked
    expect([...drawn({ ...other, fitsFree: true, coldLoadSeconds: 60 })]).toEqual([leader.name]);
  });
});
