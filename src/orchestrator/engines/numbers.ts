/**
 * Numbers from a host — sizes, durations, token counts — are kept only when they make sense: a
 * finite number, not negative, and not past what any real answer holds (2^53, which no byte size,
 * nanosecond duration or token count reaches). JSON cannot say NaN, but it can say 1e999
 * (Infinity once parsed), -5 or "NaN".
 */
import * as z from 'zod';

const ABSURD = Number.MAX_SAFE_INTEGER;

/** The most text one line or chunk of a stream may carry: it is one token, which is a few characters. */
export const TOKEN_TEXT = 64 * 1024;

/** `v` when it is a sensible count or size, else undefined. */
export function sane(v: unknown, max = ABSURD): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : undefined;
}

/** A required count or size: a field that is not one fails the answer. */
export const count = z
  .number({ error: 'must be a number' })
  .finite('must be a finite number')
  .nonnegative('must not be negative')
  .max(ABSURD, 'is absurdly large');

/** An optional number: kept when sensible, dropped (undefined) when not — never passed on as nonsense. */
export const optionalCount = z
  .unknown()
  .transform((v) => sane(v))
  .optional();

/** How a value that is not what was expected reads in a message: its kind, never its (possibly huge) content. */
export function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v.length <= 20 ? JSON.stringify(v) : 'a string';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

const TYPE_WORDS: Record<string, string> = {
  array: 'a list',
  object: 'an object',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** The first problem zod found, as `field: what` (the field as a dotted path). */
export function firstIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  if (!issue) return 'not valid';
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  const got = valueAt(input, issue.path);
  const what =
    issue.code === 'invalid_type'
      ? got === undefined
        ? 'is missing'
        : `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`
      : issue.message.replace(/^Invalid input: /, '');
  return `${path ? `"${path}" ` : 'the answer '}${what}${got !== undefined ? ` (got ${kindOf(got)})` : ''}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
