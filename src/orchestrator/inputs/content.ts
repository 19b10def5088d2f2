/**
 * What a file's bytes are: an image (by its signature), text (decoded by its byte-order mark:
 * UTF-8, UTF-16 little or big endian; without one, UTF-8), or binary (a NUL byte among the first
 * 8,000 bytes of a file without a UTF-16 mark, as git judges it) — which is refused by name.
 */

export type Content =
  | { kind: 'text'; text: string; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' }
  | { kind: 'image'; format: string }
  | { kind: 'binary' };

const SIGNATURES: ReadonlyArray<[format: string, test: (b: Uint8Array) => boolean]> = [
  ['png', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a],
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['gif', (b) => ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a'],
  ['webp', (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP'],
  // a BMP's DIB header size at offset 14 is one of the known header kinds
  ['bmp', (b) => ascii(b, 0, 2) === 'BM' && b.length > 26 && [12, 40, 52, 56, 108, 124].includes(b[14]!)],
];

/** How many leading bytes every signature above is told by (a BMP's needs more than 26). */
export const SIGNATURE_BYTES = 32;

/** The bytes from..to as Latin-1 text (shorter when the bytes end sooner, so then it matches no signature). */
function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

/** The image format of these bytes, or undefined. */
export function imageFormat(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find(([, test]) => test(bytes))?.[0];
}

/** A copy with each byte pair swapped (an odd last byte dropped), for decoders without UTF-16BE. */
function swapped(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16();
}

export function classifyContent(bytes: Uint8Array): Content {
  const format = imageFormat(bytes);
  if (format) return { kind: 'image', format };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { kind: 'text', text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { kind: 'text', text: new TextDecoder('utf-16le').decode(swapped(bytes.subarray(2))), encoding: 'utf-16be' };
  const head = bytes.subarray(0, 8000);
  if (head.includes(0)) return { kind: 'binary' };
  // the decoder drops a UTF-8 byte-order mark
  return { kind: 'text', text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * An image argument as base64 bytes, or undefined when it is not base64 (then it is a path).
 * A data: URL gives its payload. A string of the base64 alphabet counts as base64 when it is long
 * (no file name is 200 characters of that alphabet without a dot), ends in `=` padding, or
 * decodes to an image.
 */
export function asBase64Image(s: string): string | undefined {
  const data = /^data:image\/[a-z0-9.+-]+;base64,/i.exec(s);
  const body = (data ? s.slice(data[0].length) : s).replace(/\s/g, '');
  if (!BASE64.test(body) || body.length % 4 === 1) return undefined;
  if (data || body.length >= 200 || body.endsWith('=')) return body;
  return imageFormat(Buffer.from(body, 'base64')) ? body : undefined;
}
