/**
 * What bytes are (src/orchestrator/inputs/content.ts), byte by byte: each image signature is
 * recognised whole and refused when any one of its bytes differs; byte-order marks count only as
 * the whole mark; base64 is told from a path by its alphabet, its length, its padding and a
 * data: URL at the very start.
 */
import { describe, expect, it } from 'vitest';
import { asBase64Image, classifyContent, imageFormat, SIGNATURE_BYTES } from '../../src/orchestrator/inputs/content.js';
import { PNG_1X1 } from '../helpers/project-fixture.js';

const pad = (head: number[] | string, to = 32): Buffer => {
  const b = Buffer.alloc(to, 0x20);
  (typeof head === 'string' ? Buffer.from(head, 'latin1') : Buffer.from(head)).copy(b);
  return b;
};
const bmp = (headerSize: number, length = 32): Buffer => {
  const b = pad('BM', length);
  b[14] = headerSize;
  return b;
};

/** Each format, a sample, and the offsets of the bytes its signature is made of. */
const SAMPLES: Array<[format: string, sample: Buffer, signature: number[]]> = [
  ['png', pad([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), [0, 1, 2, 3, 4, 5]],
  ['jpeg', pad([0xff, 0xd8, 0xff, 0xe0]), [0, 1, 2]],
  ['gif', pad('GIF87a'), [0, 1, 2, 3, 4, 5]],
  ['gif', pad('GIF89a'), [0, 1, 2, 3, 4, 5]],
  ['webp', pad('RIFF\0\0\0\0WEBPVP8 '), [0, 1, 2, 3, 8, 9, 10, 11]],
  ['bmp', bmp(40), [0, 1, 14]],
];

describe('image signatures', () => {
  it('knows each format by its whole signature, and none when any byte of it differs', () => {
    for (const [format, sample, signature] of SAMPLES) {
      expect(imageFormat(sample), format).toBe(format);
      for (const at of signature) {
        const changed = Buffer.from(sample);
        changed[at] = changed[at]! ^ 0x55;
        expect(imageFormat(changed), `${format} with byte ${at} changed`).toBeUndefined();
      }
    }
  });

  it('takes a signature that fills the bytes exactly, and not one cut short', () => {
    expect(imageFormat(Buffer.from('GIF89a'))).toBe('gif');
    expect(imageFormat(Buffer.from('GIF89'))).toBeUndefined();
    expect(imageFormat(Buffer.from('RIFF\0\0\0\0WEBP'))).toBe('webp');
    expect(imageFormat(Buffer.from('RIFF\0\0\0\0WEB'))).toBeUndefined();
  });

  it('tells every format within the head a reader looks at', () => {
    for (const [format, sample] of SAMPLES)
      expect(imageFormat(sample.subarray(0, SIGNATURE_BYTES)), format).toBe(format);
  });

  it('knows a BMP by each DIB header size, with more than its 26-byte header', () => {
    for (const size of [12, 40, 52, 56, 108, 124]) expect(imageFormat(bmp(size)), String(size)).toBe('bmp');
    for (const size of [0, 13, 41, 100, 125]) expect(imageFormat(bmp(size)), String(size)).toBeUndefined();
    expect(imageFormat(bmp(40, 27))).toBe('bmp');
    expect(imageFormat(bmp(40, 26))).toBeUndefined();
  });

  it('an image is an image before it is text', () => {
    expect(classifyContent(PNG_1X1)).toEqual({ kind: 'image', format: 'png' });
    expect(classifyContent(bmp(12))).toEqual({ kind: 'image', format: 'bmp' });
  });
});

describe('byte-order marks', () => {
  it('decodes UTF-16 big endian, characters above one byte included, an odd last byte dropped', () => {
    expect(classifyContent(Buffer.from([0xfe, 0xff, 0x20, 0xac, 0x01, 0x00]))).toEqual({
      kind: 'text',
      text: '€Ā',
      encoding: 'utf-16be',
    });
    expect(classifyContent(Buffer.from([0xfe, 0xff, 0x00, 0x61, 0x00]))).toEqual({
      kind: 'text',
      text: 'a',
      encoding: 'utf-16be',
    });
  });

  it('drops a UTF-8 mark, and calls NUL-bearing UTF-8 binary', () => {
    expect(classifyContent(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toEqual({
      kind: 'text',
      text: 'hi',
      encoding: 'utf-8',
    });
    expect(classifyContent(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x00]))).toEqual({ kind: 'binary' });
  });

  it('a mark is both of its bytes: half of one is UTF-8', () => {
    for (const bytes of [
      [0xff, 0x61, 0x62, 0x63],
      [0x61, 0xfe, 0x62, 0x63],
      [0xfe, 0x61, 0x62, 0x63],
      [0x61, 0xff, 0x62, 0x63],
    ]) {
      const c = classifyContent(Buffer.from(bytes));
      expect(c.kind === 'text' && c.encoding, bytes.join(',')).toBe('utf-8');
    }
  });

  it('looks for NUL in the first 8,000 bytes only', () => {
    expect(classifyContent(Buffer.concat([Buffer.alloc(7999, 0x61), Buffer.from([0])])).kind).toBe('binary');
    expect(classifyContent(Buffer.concat([Buffer.alloc(8000, 0x61), Buffer.from([0])])).kind).toBe('text');
  });
});

describe('base64 or a path', () => {
  const b64 = PNG_1X1.toString('base64');

  it('takes a data: URL only at the very start, with its payload whatever it decodes to', () => {
    expect(asBase64Image('data:image/png;base64,AAAA')).toBe('AAAA');
    expect(asBase64Image('DATA:IMAGE/SVG+XML;base64,AAAA')).toBe('AAAA');
    expect(asBase64Image(`xdata:image/png;base64,${b64}`)).toBeUndefined();
    expect(asBase64Image('data:text/plain;base64,AAAA')).toBeUndefined();
  });

  it('ignores white space inside base64', () => {
    expect(asBase64Image(`${b64.slice(0, 10)}\n ${b64.slice(10)}`)).toBe(b64);
  });

  it('refuses anything outside the alphabet anywhere, and lengths base64 never has', () => {
    expect(asBase64Image('my.file=')).toBeUndefined();
    expect(asBase64Image('..abc=')).toBeUndefined();
    expect(asBase64Image('abcd=')).toBeUndefined(); // 5 characters: no base64 is 1 past a multiple of 4
    expect(asBase64Image('A'.repeat(201))).toBeUndefined();
  });

  it('counts as base64 what is long, padded or an image, and nothing else', () => {
    expect(asBase64Image('A'.repeat(200))).toBe('A'.repeat(200));
    expect(asBase64Image('A'.repeat(196))).toBeUndefined(); // short, unpadded, decodes to no image
    expect(asBase64Image('QUJD')).toBeUndefined();
    expect(asBase64Image('QUI=')).toBe('QUI=');
    const unpadded = PNG_1X1.subarray(0, 12).toString('base64');
    expect(unpadded).not.toMatch(/=/);
    expect(asBase64Image(unpadded)).toBe(unpadded);
  });
});
