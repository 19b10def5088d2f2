/**
 * The content fingerprints exactly as they are defined (inputs/fingerprint.ts): each k-gram's hash,
 * which k-grams say too little to keep, which hashes winnowing keeps, and the length of a shared
 * run that is always found. Each is checked against a plain reference written from the definition.
 */
import { describe, expect, it } from 'vitest';
import {
  dropUninformative,
  GUARANTEED,
  K,
  MIN_DISTINCT,
  rollingHashes,
  squeeze,
  W,
  wholeHash,
  winnow,
} from '../../src/orchestrator/inputs/fingerprint.js';
import { ReadOrigins } from '../../src/orchestrator/inputs/origins.js';

let seed = 29;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pick = (n: number) => Math.floor(rnd() * n);
const word = () => Array.from({ length: 2 + pick(8) }, () => String.fromCharCode(97 + pick(26))).join('');
const prose = (n: number) => {
  let s = '';
  while (s.length < n) s += `${word()} `;
  return s;
};
const units = (t: string) => Uint16Array.from(t, (c) => c.charCodeAt(0));

/**
 * The hash of one run, from the definition: two polynomial hashes of its code units mod 2^32 (bases
 * 0x01000193, 0x5bd1e995), h1 · 2^21 + ⌊h2 / 2^11⌋.
 */
function referenceHash(run: ArrayLike<number>): number {
  let h1 = 0n;
  let h2 = 0n;
  for (let i = 0; i < run.length; i++) {
    h1 = (h1 * 0x01000193n + BigInt(run[i]!)) % 2n ** 32n;
    h2 = (h2 * 0x5bd1e995n + BigInt(run[i]!)) % 2n ** 32n;
  }
  return Number(h1 * 2n ** 21n + h2 / 2n ** 11n);
}

/**
 * Winnowing from its definition: in every window of W hashes (all of them when fewer) the rightmost smallest;
 * each position once; none dropped as uninformative.
 */
function referenceWinnow(hashes: Float64Array): number[] {
  const width = Math.min(W, hashes.length);
  const positions = new Set<number>();
  for (let start = 0; width > 0 && start + width <= hashes.length; start++) {
    let min = start;
    for (let i = start; i < start + width; i++) if (hashes[i]! <= hashes[min]!) min = i;
    positions.add(min);
  }
  return [...positions].filter((p) => hashes[p] !== Infinity).map((p) => hashes[p]!);
}

/**
 * A text of prose and plain runs (rules, zeros, patterns of 1 to 6 different characters), repeated lines, and
 * units of every size.
 */
function mixed(n: number): Uint16Array {
  let t = '';
  while (t.length < n) {
    const r = rnd();
    if (r < 0.3) t += prose(10 + pick(60));
    else if (r < 0.55) t += 'abcdef-=0|'.slice(0, 1 + pick(6)).repeat(1 + pick(12));
    else if (r < 0.7) t += 'ERROR disk full\n'.repeat(1 + pick(4));
    else if (r < 0.85) t += String.fromCharCode(...Array.from({ length: 1 + pick(30) }, () => pick(65_536)));
    else t += t.slice(Math.max(0, t.length - 40)); // a run repeated right after itself
  }
  return squeeze(t.slice(0, n));
}

describe('rollingHashes', () => {
  it('gives each run of k units the hash its definition gives, for every start, and none for a shorter text', () => {
    for (let round = 0; round < 60; round++) {
      const s = Uint16Array.from({ length: pick(70) }, () => (rnd() < 0.3 ? 0xffff - pick(4) : pick(65_536)));
      for (const k of [1, 2, 5, K, s.length, s.length + 1]) {
        const got = [...rollingHashes(s, k)];
        const want = Array.from({ length: Math.max(0, s.length - k + 1) }, (_, i) =>
          referenceHash(s.subarray(i, i + k)),
        );
        expect([round, k, got]).toEqual([round, k, want]);
      }
    }
  });

  it('hashes a whole text as its one run of its length; no text hashes to 0', () => {
    for (const t of ['door4711#xyz', 'Meetat9bythegate:', '\uffff\u0000\uabcd'])
      expect(wholeHash(units(t))).toBe(referenceHash(units(t)));
    expect(wholeHash(new Uint16Array(0))).toBe(0);
  });
});

describe('dropUninformative', () => {
  it('drops exactly the k-grams of fewer than MIN_DISTINCT different units, wherever they stand', () => {
    for (let round = 0; round < 150; round++) {
      const s = mixed(K + pick(400));
      for (const k of [K, 8]) {
        const hashes = rollingHashes(s, k);
        dropUninformative(s, k, hashes);
        const want = rollingHashes(s, k).map((h, i) =>
          new Set(s.subarray(i, i + k)).size < MIN_DISTINCT ? Infinity : h,
        );
        expect([round, k, [...hashes]]).toEqual([round, k, [...want]]);
      }
    }
  });

  it('drops a 20-unit run of 4 different characters, keeps one of 5, at the start, middle and end of a text', () => {
    const runOf = (n: number) => '-=|0+'.slice(0, n).repeat(K).slice(0, K);
    for (const n of [1, 2, 4, 5]) {
      for (const s of [
        units(runOf(n) + 'xyzxyz'),
        units('Qwertyuiopasdfghjk' + runOf(n) + 'Zxcvbnmlkjhgfdsapoi'),
        units('Qwertyuiopasdfghjk' + runOf(n)),
      ]) {
        const at = s.indexOf(runOf(n).charCodeAt(0));
        const hashes = rollingHashes(s, K);
        dropUninformative(s, K, hashes);
        expect([n, hashes[at] === Infinity]).toEqual([n, n < MIN_DISTINCT]);
      }
    }
  });
});

describe('winnow', () => {
  it('keeps, in order, the rightmost smallest hash of every W k-grams, each position once and no dropped one', () => {
    for (let round = 0; round < 400; round++) {
      const s = mixed(K + (round < 100 ? pick(W + 5) : pick(1_500)));
      const hashes = rollingHashes(s, K);
      dropUninformative(s, K, hashes);
      expect([round, [...winnow(s)]]).toEqual([round, referenceWinnow(hashes)]);
    }
    expect([...winnow(units('-'.repeat(300) + '=|=|'.repeat(50)))]).toEqual([]);
  });
});

describe('what a user sees: shared passages found, down to GUARANTEED characters exactly', () => {
  const file = prose(30_000);
  const s = file.replace(/\s+/g, '');
  const origins = new ReadOrigins();
  origins.recordText('notes.md', file);

  it(
    'finds every shared run of GUARANTEED (= K + W − 1) non-space characters; some one ' +
      'character shorter are missed',
    () => {
      expect(GUARANTEED).toBe(K + W - 1);
      let missed = 0;
      for (let at = 0; at < 4_000; at += 7) {
        expect(origins.heldIn({ prompt: s.slice(at, at + GUARANTEED) }), `run at ${at}`).toBe('notes.md');
        if (origins.heldIn({ prompt: s.slice(at, at + GUARANTEED - 1) }) === undefined) missed++;
      }
      expect(missed).toBeGreaterThan(0);
    },
  );

  it('finds a file of prose between rules by its prose, a counting pattern of 5 characters, and never by its rules', () => {
    const o = new ReadOrigins();
    const a = prose(300);
    const b = prose(300);
    o.recordText(
      'report.md',
      `${'-'.repeat(60)}\n${a}\n${'=+=+'.repeat(30)}\n${'12345'.repeat(20)}\n${b}\n${'|---|'.repeat(20)}`,
    );
    expect(o.heldIn({ prompt: a.slice(100, 200) })).toBe('report.md');
    expect(o.heldIn({ prompt: b.slice(100, 200) })).toBe('report.md');
    expect(o.heldIn({ prompt: `x ${'12345'.repeat(12)} y` })).toBe('report.md');
    expect(o.heldIn({ prompt: `${'-'.repeat(60)} ${'=+=+'.repeat(30)} ${'|---|'.repeat(20)}` })).toBeUndefined();
    expect(o.heldIn({ prompt: prose(3_000) })).toBeUndefined();
  });
});
