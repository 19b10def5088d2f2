/**
 * What was read from this machine is recognised in a prompt however it was re-wrapped or sliced
 * (inputs/origins.ts, fingerprint.ts).
 */
import { describe, expect, it } from 'vitest';
import { ReadOrigins } from '../../src/orchestrator/inputs/origins.js';
import { GUARANTEED, squeeze, winnow } from '../../src/orchestrator/inputs/fingerprint.js';
import { FingerprintTable } from '../../src/orchestrator/inputs/fingerprint-table.js';
import { CloudFallback } from '../../src/orchestrator/engines/openai/fallback.js';
import { KeptLocalError } from '../../src/orchestrator/engines/host-error.js';

let seed = 11;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const word = () =>
  Array.from({ length: 2 + Math.floor(rnd() * 8) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
/** Random prose of about `n` characters: nothing in it is shared with another call's by chance. */
const prose = (n: number) => {
  let s = '';
  while (s.length < n) s += `${word()}${rnd() < 0.1 ? '\n  ' : ' '}`;
  return s;
};
/** The same text wrapped again: every run of spaces and newlines changed. */
const rewrap = (t: string) =>
  t
    .split(/\s+/)
    .join(rnd() < 0.5 ? '\n    ' : ' ')
    .replace(/ /g, (m) => (rnd() < 0.2 ? '\n' : m));

describe('ReadOrigins', () => {
  const file = prose(20_000);
  const origins = new ReadOrigins();
  origins.recordText('src/notes.md', file);

  it('finds a slice of a read file in a prompt, re-wrapped, and names the file', () => {
    for (const at of [0, 5_000, 12_345, file.length - 200]) {
      const slice = file.slice(at, at + 90);
      expect(origins.heldIn({ prompt: `Summarise:\n${rewrap(slice)}\nThanks.` }), `slice at ${at}`).toBe(
        'src/notes.md',
      );
    }
    expect(origins.heldIn({ prompt: 'Task', system: `Context: ${file.slice(300, 400)}` })).toBe('src/notes.md');
  });

  it('finds any shared run of GUARANTEED non-space characters, and nothing in text never read', () => {
    const s = file.replace(/\s+/g, '');
    for (let at = 0; at < 3000; at += 97)
      expect(origins.heldIn({ prompt: s.slice(at, at + GUARANTEED) }), `run at ${at}`).toBe('src/notes.md');
    for (let i = 0; i < 20; i++) expect(origins.heldIn({ prompt: prose(5_000) })).toBeUndefined();
    expect(origins.heldIn({ prompt: '' })).toBeUndefined();
  });

  it('recognises a short file whole, and ignores one too short or too plain to tell apart', () => {
    const o = new ReadOrigins();
    o.recordText('launch.txt', 'The launch is on 12 March.');
    o.recordText('tiny.txt', 'ok then');
    o.recordText('rule.txt', '-=-=-=-=-=-=-=-=-=-=');
    expect(o.heldIn({ prompt: 'Notes:\nThe launch is\non 12 March.\nEnd.' })).toBe('launch.txt');
    expect(o.heldIn({ prompt: 'The launch is on 13 March.' })).toBeUndefined();
    expect(o.heldIn({ prompt: 'ok then, go on' })).toBeUndefined();
    expect(o.heldIn({ prompt: 'a heading\n-=-=-=-=-=-=-=-=-=-=-=-=-=-=\n' })).toBeUndefined();
  });

  it('a text shorter than a k-gram is kept whole from 12 non-space characters and 5 different ones', () => {
    const o = new ReadOrigins();
    o.recordText('pin.txt', 'code: 4711 AB'); // 11: too short
    o.recordText('door.txt', 'door 4711#xyz'); // 12, 11 different
    o.recordText('plain.txt', 'abcd abcd abcd'); // 12, 4 different
    o.recordText('five.txt', 'abcde eeeeee e'); // 12, 5 different
    o.recordText('nineteen.txt', 'Meet at 9 by the gate:'); // 17: under a k-gram (20), still whole
    expect(o.heldIn({ prompt: 'Open it: door\n4711#xyz, thanks' })).toBe('door.txt');
    expect(o.heldIn({ prompt: 'x code:4711AB y' })).toBeUndefined();
    expect(o.heldIn({ prompt: 'x abcdabcdabcd y' })).toBeUndefined();
    expect(o.heldIn({ prompt: 'x abcdeeeeeeee y' })).toBe('five.txt');
    expect(o.heldIn({ prompt: 'Note: Meet at 9 by the gate: ok' })).toBe('nineteen.txt');
  });

  it('never keeps a long run of few different characters (rules, zeros) from a file', () => {
    const o = new ReadOrigins();
    o.recordText('table.md', `${'-'.repeat(200)}\n${'|---|---|'.repeat(30)}\n${'0'.repeat(300)}`);
    expect(o.heldIn({ prompt: `${'-'.repeat(120)} ${'|---|---|'.repeat(12)} ${'0'.repeat(100)}` })).toBeUndefined();
  });

  it('recognises an image read by path, as base64 or a data: URL, and not another image', () => {
    const o = new ReadOrigins();
    o.recordImage('photo.png', 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk');
    expect(
      o.heldIn({
        prompt: 'What is this?',
        images: ['data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk'],
      }),
    ).toBe('photo.png');
    expect(
      o.heldIn({ prompt: 'What is this?', images: ['iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk'] }),
    ).toBe('photo.png');
    expect(
      o.heldIn({ prompt: 'What is this?', images: ['iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNX'] }),
    ).toBeUndefined();
  });

  it('forgets the oldest reads past its bound, and keeps the newer ones', () => {
    const o = new ReadOrigins(30_000);
    const a = prose(20_000);
    const b = prose(20_000);
    o.recordText('a.md', a);
    expect(o.heldIn({ prompt: a.slice(100, 200) })).toBe('a.md');
    o.recordText('b.md', b);
    expect(o.size).toBeLessThanOrEqual(30_000);
    expect(o.heldIn({ prompt: a.slice(100, 200) })).toBeUndefined();
    expect(o.heldIn({ prompt: b.slice(100, 200) })).toBe('b.md');
  });

  it('forgets short texts and images with their reads; keeps exactly its bound, and always the newest read', () => {
    const png = (n: number) => `iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mN${n}`;
    const o = new ReadOrigins(2_000); // two images exactly
    o.recordImage('one.png', png(1));
    o.recordImage('two.png', png(2));
    expect([o.size, o.heldIn({ prompt: '', images: [png(1)] }), o.heldIn({ prompt: '', images: [png(2)] })]).toEqual([
      2_000,
      'one.png',
      'two.png',
    ]);
    o.recordText('door.txt', 'door 4711#xyz'); // 12 more: one.png goes
    expect([
      o.heldIn({ prompt: '', images: [png(1)] }),
      o.heldIn({ prompt: '', images: [png(2)] }),
      o.heldIn({ prompt: 'door4711#xyz' }),
    ]).toEqual([undefined, 'two.png', 'door.txt']);
    o.recordImage('three.png', png(3)); // two.png goes; door.txt stays (1,012 of 2,000)
    o.recordImage('four.png', png(4)); // door.txt goes
    expect([o.heldIn({ prompt: 'door4711#xyz' }), o.heldIn({ prompt: '', images: [png(2)] })]).toEqual([
      undefined,
      undefined,
    ]);
    const tiny = new ReadOrigins(500);
    tiny.recordImage('big.png', png(5)); // alone past the bound: kept
    expect(tiny.heldIn({ prompt: '', images: [png(5)] })).toBe('big.png');
  });

  it('a text read twice stays known until its newest read is forgotten', () => {
    const o = new ReadOrigins(45_000);
    const a = prose(20_000);
    o.recordText('first.md', a);
    o.recordText('again.md', a);
    o.recordText('other.md', prose(20_000)); // forgets first.md only
    expect(o.heldIn({ prompt: a.slice(5_000, 5_100) })).toBe('again.md');
  });
});

describe('winnow', () => {
  it('keeps about 2 of every W+1 positions, and the same fingerprints however the text is wrapped', () => {
    const t = prose(10_000);
    const kept = winnow(squeeze(t));
    const n = squeeze(t).length;
    expect(kept.length).toBeGreaterThan(n / 25);
    expect(kept.length).toBeLessThan(n / 8);
    expect([...winnow(squeeze(rewrap(t)))]).toEqual([...kept]);
  });
});

describe('squeeze', () => {
  it('drops every character String.prototype.trim counts as whitespace, and NEL, and keeps their neighbours', () => {
    const spaces = [
      9, 10, 11, 12, 13, 32, 0x85, 0xa0, 0x1680, 0x2000, 0x2005, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
    ];
    for (const c of spaces) {
      const ch = String.fromCharCode(c);
      if (c !== 0x85) expect([c, ch.trim()]).toEqual([c, '']); // the reference (NEL, a line end of its own, too)
      expect([c, String.fromCharCode(...squeeze(`a${ch}b`))]).toEqual([c, 'ab']);
    }
    const kept = [
      8, 14, 31, 33, 0x84, 0x86, 0x9f, 0xa1, 0x1fff, 0x200b, 0x2027, 0x202a, 0x202e, 0x2030, 0x205e, 0x2060, 0x2fff,
      0x3001, 0xfefe, 0xffff,
    ];
    for (const c of kept) {
      const ch = String.fromCharCode(c);
      expect([c, ch.trim()]).toEqual([c, ch]);
      expect([c, squeeze(`a${ch}b`).length]).toEqual([c, 3]);
    }
  });
});

describe('FingerprintTable', () => {
  it('finds what it holds through growth, and removals (only by their owner) leave the rest findable', () => {
    const t = new FingerprintTable(16);
    const keys = Array.from({ length: 5_000 }, (_, i) => i * 2_097_152 + (i % 7)); // many share their low bits
    keys.forEach((k, i) => t.set(k, (i % 3) + 1));
    expect(t.size).toBe(5_000);
    for (const [i, k] of keys.entries()) expect(t.get(k)).toBe((i % 3) + 1);
    for (const [i, k] of keys.entries()) if (i % 2 === 0) t.delete(k, 99); // not its owner: kept
    expect(t.size).toBe(5_000);
    for (const [i, k] of keys.entries()) if (i % 2 === 0) t.delete(k, (i % 3) + 1);
    expect(t.size).toBe(2_500);
    for (const [i, k] of keys.entries()) expect(t.get(k)).toBe(i % 2 === 0 ? 0 : (i % 3) + 1);
    expect(t.get(123.5)).toBe(0);
  });
});

describe('CloudFallback refuses, unsent, a request holding what was read', () => {
  const read = new ReadOrigins();
  const secret = prose(2_000);
  read.recordText('secret-notes.md', secret);
  const calls: string[] = [];
  const fetchSpy = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response('data: [DONE]\n\n', { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
  const make = (sendInputs: boolean) =>
    new CloudFallback({ baseURL: 'http://127.0.0.1:9/v1', model: 'cloud-model', sendInputs }, 30_000, read, {
      fetch: fetchSpy,
    });

  it('throws KeptLocalError naming the file and the setting, and sends nothing', async () => {
    calls.length = 0;
    const err = await make(false)
      .answer({ prompt: `Please summarise: ${rewrap(secret.slice(400, 520))}`, maxTokens: 10 }, [])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(KeptLocalError);
    expect((err as Error).message).toMatch(
      /holds text of secret-notes\.md, read from this machine.*fallback\.sendInputs: true/,
    );
    expect(calls).toEqual([]);
  });

  it('sends a prompt that holds none of it, and anything when sendInputs is true', async () => {
    calls.length = 0;
    await make(false).answer({ prompt: 'Say hi in one word.', maxTokens: 10 }, []);
    expect(calls.length).toBe(1);
    await make(true).answer({ prompt: `Please summarise: ${secret.slice(400, 520)}`, maxTokens: 10 }, []);
    expect(calls.length).toBe(2);
  });
});
