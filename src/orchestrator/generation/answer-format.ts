/**
 * Structured answers: the caller's `format` — "json", or a JSON Schema — checked and bounded before
 * anything is sent, and each answer held to it. The schema is compiled by Ajv (schema-check.ts),
 * loaded only when a call asks for a format, so no start pays for it. An answer that is not JSON or
 * breaks the schema is told apart by short words ("count: required"), and the route sets it aside
 * like a degenerate answer: the next candidate answers instead.
 */
import type { AnswerFormat } from '../engines/engine.js';
import type { SchemaProblem } from './schema-check.js';
import { shortened } from '../util/shorten.js';

export type { SchemaProblem } from './schema-check.js';

/** Deepest nesting of objects and arrays a schema may have. */
export const MAX_SCHEMA_DEPTH = 32;
/** Largest schema, as JSON, in bytes. */
export const MAX_SCHEMA_BYTES = 16 * 1024;
/** Problems named for one answer (Ajv may find many). */
const MAX_PROBLEMS = 3;

/** A format the caller cannot be given: the words say what is wrong with it. */
export class FormatError extends Error {}

/** An answer held to the format: its parsed value, or why it does not hold. */
export type FormatVerdict = { ok: true; value: unknown } | { ok: false; why: string };

/** A checked format: what goes to the engine, and the check each answer passes. */
export interface AnswerCheck {
  format: AnswerFormat;
  check(text: string): FormatVerdict;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * How deep objects and arrays nest in `v`, counted no further than `limit` + 2 (the size check reads the
 * whole value next).
 */
export function depthOf(v: unknown, limit = MAX_SCHEMA_DEPTH): number {
  if (typeof v !== 'object' || v === null) return 0;
  if (limit < 0) return 1;
  let deepest = 0;
  for (const child of Object.values(v)) {
    deepest = Math.max(deepest, depthOf(child, limit - 1));
  }
  return 1 + deepest;
}

/**
 * The format as given, or why it cannot be used: "json", or a JSON Schema object within
 * MAX_SCHEMA_DEPTH levels and MAX_SCHEMA_BYTES. Pure; the schema's own sense is Ajv's (prepareFormat).
 */
export function boundedFormat(format: unknown): AnswerFormat {
  if (format === 'json') return 'json';
  if (!isPlainObject(format))
    throw new FormatError(
      `format must be "json" or a JSON Schema object, not ` +
        `${Array.isArray(format) ? 'an array' : (JSON.stringify(format)?.slice(0, 40) ?? typeof format)} ` +
        `— pass "json" for any JSON.`,
    );
  const depth = depthOf(format);
  if (depth > MAX_SCHEMA_DEPTH)
    throw new FormatError(
      `format's JSON Schema nests deeper than ${MAX_SCHEMA_DEPTH} levels — flatten it (use $defs ` +
        `and $ref for repeated parts).`,
    );
  const bytes = Buffer.byteLength(JSON.stringify(format));
  if (bytes > MAX_SCHEMA_BYTES)
    throw new FormatError(
      `format's JSON Schema is ${bytes} bytes, more than ${MAX_SCHEMA_BYTES} — describe fewer ` +
        `fields, or ask for "json" and check the shape yourself.`,
    );
  return format;
}

/** Where a problem is, in the answer: "count", "items.2.name", or "answer" for the whole. */
function whereOf(p: SchemaProblem): string {
  const parts = p.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (p.keyword === 'required' && typeof p.params.missingProperty === 'string') parts.push(p.params.missingProperty);
  if (p.keyword === 'additionalProperties' && typeof p.params.additionalProperty === 'string')
    parts.push(p.params.additionalProperty);
  return parts.length ? parts.join('.') : 'answer';
}

/** What is wrong there, in a few words. */
function problemOf(p: SchemaProblem): string {
  if (p.keyword === 'required') return 'required';
  if (p.keyword === 'additionalProperties') return 'not allowed';
  return p.message ?? p.keyword;
}

/** Ajv's problems as short words: "count: required; items.0: must be string" (the first few, then how many more). */
export function problemWords(problems: readonly SchemaProblem[]): string {
  const words = problems.slice(0, MAX_PROBLEMS).map((p) => `${whereOf(p)}: ${problemOf(p)}`);
  const more = problems.length - MAX_PROBLEMS;
  return more > 0 ? `${words.join('; ')} (and ${more} more)` : words.join('; ');
}

/**
 * Why an answer could not be held to the schema: the check ran out of time, or the answer nests deeper than
 * it can follow.
 */
export function uncheckedWords(cause: 'time' | 'depth', limitMs: number): string {
  return cause === 'time'
    ? `checking it against the schema took more than ${limitMs / 1000} s and was stopped (the ` +
        `schema's parts apply each other too many times over, or the answer is very large) — ` +
        `simplify the schema (fewer references to one part, no anyOf of parts that recurse), or ` +
        `pass "json" and check the answer yourself`
    : 'it nests too deep to be checked against the schema — ask for a flatter answer';
}

/** The answer's JSON: the text itself, or what one ```json fence holds (a model may wrap it). */
export function parseAnswer(text: string): { ok: true; value: unknown } | { ok: false; why: string } {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  try {
    return { ok: true, value: JSON.parse(fenced ? fenced[1]! : trimmed) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, why: `it is not JSON (${shortened(message)})` }; // the parser's words may quote the answer
  }
}

/**
 * Checks the caller's format and returns what goes to the engine and the check of each answer;
 * throws FormatError naming the problem (too deep, too large, a schema Ajv cannot compile, or a
 * pattern the linear-time engine does not run: schema-pattern.ts).
 */
export async function prepareFormat(format: unknown): Promise<AnswerCheck> {
  const bounded = boundedFormat(format);
  if (bounded === 'json') return { format: bounded, check: (text) => parseAnswer(text) };
  const { compileSchema, MAX_CHECK_MS } = await import('./schema-check.js');
  const validate = compileSchema(bounded);
  if ('error' in validate)
    throw new FormatError(
      validate.pattern
        ? validate.error
        : `format is not a JSON Schema that can be used: ${validate.error} — fix the schema, or pass "json".`,
    );
  return {
    format: bounded,
    check(text) {
      const parsed = parseAnswer(text);
      if (!parsed.ok) return parsed;
      const problems = validate.problems(parsed.value);
      if (problems === undefined) return parsed;
      if ('unchecked' in problems)
        return { ok: false, why: 'why' in problems ? problems.why : uncheckedWords(problems.unchecked, MAX_CHECK_MS) };
      return { ok: false, why: `it breaks the schema (${problemWords(problems)})` };
    },
  };
}
