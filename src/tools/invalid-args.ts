/**
 * Invalid tool arguments, explained the way a person (or the calling model) can act on: which field,
 * what it must be, and what was sent — e.g.
 *   Invalid arguments for smart_load: "keepAlive" must be a number of seconds or a duration like "10m" (got
 *   true); "model" is required.
 * A schema's own message (a refinement's, a union's `error`) is written as what is allowed
 * ("a duration like …") and is used as is; zod's generic wording is replaced.
 */
import type * as z from 'zod';
import { quoted, shortened } from '../orchestrator/util/shorten.js';

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
  null: 'null',
};

/** The most issues listed; the rest are counted. */
const MAX_LISTED = 8;

function fieldName(path: readonly Key[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${shortened(String(key))}`;
  return `"${out}"`;
}

function valueAt(input: unknown, path: readonly Key[]): unknown {
  let value = input;
  for (const key of path)
    value = typeof value === 'object' && value !== null ? (value as Record<Key, unknown>)[key] : undefined;
  return value;
}

/** A short picture of what was sent. */
function shown(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * zod's own wording, which says less than the issue's fields do ("Invalid input", "Invalid email address",
 * "Invalid number: …", "Too big: …").
 */
const GENERIC = /^(Invalid |Too small|Too big|Unrecognized key)/;

function sizeWords(origin: string, bound: number | bigint, inclusive: boolean, most: boolean): string {
  const n = Number(bound);
  const count = inclusive ? n : most ? n - 1 : n + 1; // the most or fewest characters or items allowed
  if (origin === 'string')
    return !most && count === 1
      ? 'must not be empty'
      : `must be ${most ? 'at most' : 'at least'} ${count} character${count === 1 ? '' : 's'} long`;
  if (origin === 'array' || origin === 'set')
    return `must have ${most ? 'at most' : 'at least'} ${count} item${count === 1 ? '' : 's'}`;
  return `must be ${most ? (inclusive ? 'at most' : 'below') : inclusive ? 'at least' : 'above'} ${n}`;
}

/** What the field must be, from the issue alone. */
function allowed(issue: Issue): string {
  if (!GENERIC.test(issue.message) && issue.code !== 'invalid_type') return `must be ${issue.message}`;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return sizeWords(issue.origin, issue.minimum, issue.inclusive !== false, false);
    case 'too_big':
      return sizeWords(issue.origin, issue.maximum, issue.inclusive !== false, true);
    case 'invalid_union': {
      const kinds = [
        ...new Set(
          issue.errors.flatMap((branch) =>
            branch
              .filter((i) => i.code === 'invalid_type' && i.path.length === 0)
              .map((i) => TYPE_NAMES[(i as { expected: string }).expected] ?? (i as { expected: string }).expected),
          ),
        ),
      ];
      return kinds.length > 0 ? `must be ${kinds.join(' or ')}` : 'does not match any allowed form';
    }
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern
        ? `must match ${issue.pattern}`
        : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${Number(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has unknown fields ${issue.keys.map((k) => quoted(k)).join(', ')}`;
    default:
      return 'is not valid';
  }
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

function describeIssue(issue: Issue, input: unknown): string {
  if (issue.path.length === 0) {
    if (issue.code === 'invalid_type') return `the arguments must be an object (got ${shown(input)})`;
    return issue.message;
  }
  const value = valueAt(input, issue.path);
  const field = fieldName(issue.path);
  if (value === undefined)
    return issue.code === 'invalid_type' || issue.code === 'invalid_union'
      ? `${field} is required`
      : `${field} ${allowed(issue)}`;
  // "(got …)" goes after the rule and before any advice that follows a dash.
  const [rule, advice] = splitOnce(allowed(issue), ' — ');
  return `${field} ${rule} (got ${shown(value)})${advice === undefined ? '' : ` — ${advice}`}`;
}

/** One line naming every bad field, what it must be and what it was. */
export function explainInvalidArguments(tool: string, error: z.ZodError, input: unknown): string {
  const parts = [...new Set(error.issues.map((i) => describeIssue(i, input)))];
  const listed = parts.slice(0, MAX_LISTED).join('; ');
  const more = parts.length > MAX_LISTED ? `; and ${parts.length - MAX_LISTED} more` : '';
  return `Invalid arguments for ${tool}: ${listed}${more}.`.replace(/\.\.$/, '.');
}
