/**
 * Small imitations of Go behaviour the fake needs to be faithful to Ollama:
 * - JSON decoding errors with Go's encoding/json texts (gin's ShouldBindJSON uses json.Decoder),
 * - time.ParseDuration (for keep_alive strings),
 * - format.HumanBytes2 (for memory error messages).
 */

/** Result of decoding a request body the way Ollama (gin + encoding/json Decoder) does. */
export type GoDecodeResult =
  { ok: true; value: unknown } | { ok: false; eof: true } | { ok: false; eof: false; error: string };

function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

class ScanError extends Error {}

/**
 * Decode the first JSON value of `text` like Go's json.Decoder.Decode:
 * empty / whitespace-only input is EOF ("missing request body" in Ollama), syntax errors use
 * Go's messages (`invalid character 'x' looking for beginning of value`, `unexpected EOF`, ...),
 * and anything after the first complete value is ignored.
 */
export function goDecode(text: string): GoDecodeResult {
  let i = 0;
  const n = text.length;
  const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const skipWs = (): void => {
    while (i < n && isWs(text[i])) i++;
  };
  const peek = (): string => {
    if (i >= n) throw new ScanError('unexpected EOF');
    return text[i] as string;
  };
  const bad = (c: string, ctx: string): never => {
    throw new ScanError(`invalid character ${quoteChar(c)} ${ctx}`);
  };

  const scanString = (): void => {
    i++; // opening quote
    for (;;) {
      const c = peek();
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        const e = peek();
        if ('"\\/bfnrt'.includes(e)) {
          i++;
        } else if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            const h = peek();
            if (!/[0-9a-fA-F]/.test(h)) bad(h, 'in \\u hexadecimal character escape');
            i++;
          }
        } else {
          bad(e, 'in string escape code');
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) bad(c, 'in string literal');
      i++;
    }
  };

  const scanNumber = (): void => {
    if (text[i] === '-') {
      i++;
      const c = peek();
      if (!/[0-9]/.test(c)) bad(c, 'in numeric literal');
    }
    if (text[i] === '0') {
      i++;
    } else {
      while (i < n && /[0-9]/.test(text[i] as string)) i++;
    }
    if (text[i] === '.') {
      i++;
      const c = peek();
      if (!/[0-9]/.test(c)) bad(c, 'after decimal point in numeric literal');
      while (i < n && /[0-9]/.test(text[i] as string)) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      const c = peek();
      if (!/[0-9]/.test(c)) bad(c, 'in exponent of numeric literal');
      while (i < n && /[0-9]/.test(text[i] as string)) i++;
    }
  };

  const scanLiteral = (word: string): void => {
    for (let k = 0; k < word.length; k++) {
      const c = peek();
      if (c !== word[k]) bad(c, `in literal ${word} (expecting ${quoteChar(word[k] as string)})`);
      i++;
    }
  };

  /** `{...}` or `[...]` from its opening bracket: items separated by ',' up to `close`. */
  const scanContainer = (close: string, scanItem: () => void, afterItem: string): void => {
    i++; // opening bracket
    skipWs();
    if (peek() === close) {
      i++;
      return;
    }
    for (;;) {
      scanItem();
      skipWs();
      const sep = peek();
      if (sep === ',') {
        i++;
        continue;
      }
      if (sep === close) {
        i++;
        return;
      }
      bad(sep, afterItem);
    }
  };

  const scanMember = (): void => {
    skipWs();
    const k = peek();
    if (k !== '"') bad(k, 'looking for beginning of object key string');
    scanString();
    skipWs();
    const colon = peek();
    if (colon !== ':') bad(colon, 'after object key');
    i++;
    scanValue();
  };

  const scanValue = (): void => {
    skipWs();
    const c = peek();
    if (c === '{') return scanContainer('}', scanMember, 'after object key:value pair');
    if (c === '[') return scanContainer(']', scanValue, 'after array element');
    if (c === '"') return scanString();
    if (c === '-' || /[0-9]/.test(c)) return scanNumber();
    if (c === 't') return scanLiteral('true');
    if (c === 'f') return scanLiteral('false');
    if (c === 'n') return scanLiteral('null');
    bad(c, 'looking for beginning of value');
  };

  skipWs();
  if (i >= n) return { ok: false, eof: true };
  const start = i;
  try {
    scanValue();
  } catch (e) {
    if (e instanceof ScanError) return { ok: false, eof: false, error: e.message };
    throw e;
  }
  return { ok: true, value: JSON.parse(text.slice(start, i)) as unknown };
}

/** Go's name for the JSON kind of a value, as used in `json: cannot unmarshal <kind> into ...`. */
export function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

/** Go's reflect type name of a decoded JSON value (used by Ollama's Duration "Unsupported type" error). */
export function goReflectType(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'map[string]interface {}';
  }
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5
  μs: 1e-3, // U+03BC
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's time.ParseDuration, returning milliseconds (fractional for sub-ms units).
 * Throws an Error with Go's message, e.g. `time: missing unit in duration "-1"`.
 */
export function parseGoDuration(input: string): number {
  const quoted = JSON.stringify(input);
  let s = input;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s);
    const intPart = num?.[1] ?? '';
    const fracPart = num?.[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) {
      throw new Error(`time: invalid duration ${quoted}`);
    }
    const value = Number(`${intPart || '0'}.${fracPart ?? '0'}`);
    s = s.slice(num?.[0].length ?? 0);
    const unitMatch = /^[^\d.]*/.exec(s);
    const unit = unitMatch?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const scale = UNIT_MS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += value * scale;
    s = s.slice(unit.length);
  }
  return neg ? -total : total;
}

/** Go's format.HumanBytes2 (binary units, one decimal), e.g. '4.4 GiB'. */
export function humanBytes2(b: number): string {
  const KiB = 1024;
  const MiB = KiB * 1024;
  const GiB = MiB * 1024;
  if (b >= GiB) return `${(b / GiB).toFixed(1)} GiB`;
  if (b >= MiB) return `${(b / MiB).toFixed(1)} MiB`;
  if (b >= KiB) return `${(b / KiB).toFixed(1)} KiB`;
  return `${Math.max(0, Math.round(b))} B`;
}
