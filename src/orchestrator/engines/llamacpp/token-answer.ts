/**
 * Counting the tokens of llama-server's /tokenize answer (`{"tokens":[15339,1917]}`) as its bytes
 * arrive, without keeping the body or building the array: a 60 MB answer costs one chunk at a
 * time, and reading stops as soon as the answer passes its bound. The bound comes from the text
 * sent: a token holds at least one byte of it (byte-fallback tokens exactly one), so an answer has
 * no more tokens than the text has bytes (and a few special ones), and no more bytes than that many
 * ids take. Past either, or on a body that is not that shape — the ids must be plain integers —
 * counting stops with a TokenAnswerError saying why. Other members of the object are passed over.
 * Pure.
 */

/** Special tokens an answer may hold beyond one per byte of text (BOS, EOS). */
export const SPECIAL_TOKENS = 4;
/** Bytes one id takes at most in the body: up to 10 digits, a comma and a space. */
export const BYTES_PER_ID = 12;
/** The body's bytes besides the ids: `{"tokens":[]}` and room for a member or two more. */
export const BODY_SLACK = 1024;
/** Digits of the longest id (a vocabulary has far fewer than 10^10 tokens). */
export const MAX_ID_DIGITS = 10;

export interface TokenBounds {
  maxTokens: number;
  maxBytes: number;
}

/** The most tokens and body bytes a /tokenize answer for a text of `textBytes` bytes may hold. */
export function tokenBounds(textBytes: number): TokenBounds {
  const maxTokens = textBytes + SPECIAL_TOKENS;
  return { maxTokens, maxBytes: maxTokens * BYTES_PER_ID + BODY_SLACK };
}

/** Why an answer is not a count: the words follow "answered /tokenize with". */
export class TokenAnswerError extends Error {}

type State =
  | 'start'
  | 'key-or-end'
  | 'key'
  | 'key-escape'
  | 'colon'
  | 'list'
  | 'first-id'
  | 'id'
  | 'after-id'
  | 'next-id'
  | 'skip'
  | 'after-value'
  | 'next-key'
  | 'done';

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const KEY = 'tokens';

export class TokenAnswerCounter {
  private state: State = 'start';
  private bytes = 0;
  private count = 0;
  private digits = 0;
  private key = '';
  private seen = false;
  /** Passing over another member's value: its nesting, and whether in a string (after a backslash). */
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly bounds: TokenBounds) {}

  /** The next bytes of the body; throws a TokenAnswerError as soon as they show it is not a count within the bounds. */
  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.bytes > this.bounds.maxBytes)
      throw new TokenAnswerError(
        `a body of more than ${this.bounds.maxBytes} bytes, more than the ids of the ` +
          `${this.bounds.maxTokens - SPECIAL_TOKENS} bytes of text sent take`,
      );
    for (const b of chunk) this.byte(b);
  }

  /** The count, once the body is complete; throws when it ended before the answer did. */
  end(): number {
    if (this.state !== 'done')
      throw new TokenAnswerError(this.bytes === 0 ? 'an empty body' : 'a body cut off before its end');
    if (!this.seen) throw new TokenAnswerError('an object without "tokens"');
    return this.count;
  }

  private fail(): never {
    throw new TokenAnswerError('something that is not {"tokens": [ids]}');
  }

  private startId(): void {
    if (++this.count > this.bounds.maxTokens)
      throw new TokenAnswerError(
        `more tokens than the ${this.bounds.maxTokens - SPECIAL_TOKENS} bytes of text sent can hold`,
      );
    this.digits = 1;
    this.state = 'id';
  }

  private byte(b: number): void {
    if (this.state === 'skip') return this.skip(b);
    if (this.state === 'key') {
      if (b === QUOTE) this.state = 'colon';
      else if (b === BACKSLASH) this.state = 'key-escape';
      else if (this.key.length <= KEY.length) this.key += String.fromCharCode(b);
      return;
    }
    if (this.state === 'key-escape') {
      this.key += '\\'; // an escaped key is never "tokens" as llama-server writes it
      this.state = 'key';
      return;
    }
    if (this.state === 'id') {
      if (isDigit(b)) {
        if (++this.digits > MAX_ID_DIGITS) this.fail();
        return;
      }
      this.state = 'after-id';
    }
    if (SPACE.has(b)) return;
    switch (this.state) {
      case 'start':
        return b === 0x7b ? void (this.state = 'key-or-end') : this.fail(); // {
      case 'key-or-end':
      case 'next-key':
        if (b === QUOTE) {
          this.key = '';
          this.state = 'key';
          return;
        }
        return b === 0x7d && this.state === 'key-or-end' ? void (this.state = 'done') : this.fail(); // }
      case 'colon':
        if (b !== 0x3a) this.fail(); // :
        if (this.key !== KEY) {
          this.depth = 0;
          this.inString = false;
          this.state = 'skip';
          return;
        }
        if (this.seen) this.fail(); // "tokens" twice
        this.seen = true;
        this.state = 'list';
        return;
      case 'list':
        return b === 0x5b ? void (this.state = 'first-id') : this.fail(); // [
      case 'first-id':
        if (b === 0x5d) return void (this.state = 'after-value'); // ]
        return isDigit(b) ? this.startId() : this.fail();
      case 'next-id':
        return isDigit(b) ? this.startId() : this.fail();
      case 'after-id':
        if (b === 0x2c) return void (this.state = 'next-id'); // ,
        return b === 0x5d ? void (this.state = 'after-value') : this.fail();
      case 'after-value':
        return this.endOfValue(b);
      default: // done: only white space may follow
        return this.fail();
    }
  }

  /** After a member's value: another member, or the end of the object. */
  private endOfValue(b: number): void {
    if (b === 0x2c) this.state = 'next-key';
    else if (b === 0x7d) this.state = 'done';
    else this.fail();
  }

  /**
   * Passes over another member's value: strings (with escapes), nested objects and lists, up to the `,` or
   * `}` after it.
   */
  private skip(b: number): void {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) this.inString = false;
      return;
    }
    if (b === QUOTE) this.inString = true;
    else if (b === 0x7b || b === 0x5b) this.depth++;
    else if ((b === 0x7d || b === 0x5d) && this.depth > 0) this.depth--;
    else if (this.depth === 0 && (b === 0x2c || b === 0x7d)) this.endOfValue(b);
    else if (b === 0x5d) this.fail(); // a ] with nothing open (one closing a value was taken above)
  }
}
