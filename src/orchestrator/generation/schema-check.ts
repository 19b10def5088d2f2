/**
 * Ajv, compiling the caller's JSON Schema for answer-format.ts — imported by it only when a call
 * asks for a schema (a chunk of its own in the build: no start loads Ajv). Draft 2020-12, whose
 * keywords cover what engines take; strict, so a misspelt keyword is an error rather than a check
 * silently skipped; `format` keywords (date-time, email) are not checked, as engines do not either.
 *
 * The schema is the caller's and the answer a model's, so neither may hold the server's only
 * thread for long (issue 55). Each part of the work is bounded:
 * - `pattern` and `patternProperties` are matched by RE2, in time linear in the text, a pattern's
 *   program and the text it is matched against bounded so one match costs about 1 s at most (schema-pattern.ts);
 * - a referenced part is compiled once and called, never copied into each place that refers to it
 *   (Ajv's inlineRefs: 400 copies of an 8 KB part took 19 s to compile);
 * - a property named in `properties` that a `patternProperties` pattern also matches is allowed,
 *   as JSON Schema allows it: Ajv's strict check of that ran the pattern with JavaScript's engine;
 * - `uniqueItems` finds duplicates by each item's JSON, in time linear in the list (Ajv's compares
 *   every pair: 20,000 objects took 20 s);
 * - what no bound on the schema can stop — parts that apply each other many times over (an anyOf of
 *   two branches recursing into the answer doubles the work at each level it nests), a failing
 *   answer's problems gathered across thousands of references — is stopped by the clock: every
 *   part of the schema an answer meets ticks it, and after MAX_CHECK_MS the check gives up. The
 *   answer is then "unchecked", and set aside like one that breaks the schema.
 */
import { Ajv2020, type FuncKeywordDefinition } from 'ajv/dist/2020.js';
import { linearPattern, PatternRefused, PatternTooCostly } from './schema-pattern.js';
import { stableJson } from '../util/stable-json.js';

/** The longest one answer's check may run, in milliseconds. */
export const MAX_CHECK_MS = 1000;
/** The clock is read once every this many ticks (a tick is far cheaper than reading it). */
const TICKS_PER_READ = 16;

/** One problem Ajv found, as it reports it. */
export interface SchemaProblem {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Why an answer could not be checked: the check ran out of time, the answer nests deeper than the stack, or a
 * value is too long for its pattern's cost (`why`: in words).
 */
type Unchecked = { unchecked: 'time' | 'depth' } | { unchecked: 'pattern'; why: string };

/** A compiled schema's check: undefined when the value holds, else the problems, or why it could not be checked. */
export interface CompiledSchema {
  problems(value: unknown): readonly SchemaProblem[] | Unchecked | undefined;
}

/** The keyword added to every part of the schema, ticking the clock each time a value meets that part. */
const TICK = 'ollmTick';
/** Keywords whose values are data, not schemas: nothing is added inside them. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', '$vocabulary']);
/** Keywords whose values map names to schemas. */
const SCHEMA_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'dependencies',
]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy of `schema` with TICK in every schema object in it: every place a schema can stand
 * (maps of schemas, lists of schemas, single subschemas), nothing inside data (const, enum,
 * default, examples). A keyword strict mode refuses is copied too; the compile fails on it anyway.
 */
export function ticking(schema: unknown): unknown {
  if (!isPlainObject(schema)) return schema; // true, false, or a value in a list of names (required, type)
  const entries: Array<[string, unknown]> = [[TICK, true]];
  for (const [key, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(key) || typeof value !== 'object' || value === null) entries.push([key, value]);
    else if (Array.isArray(value)) entries.push([key, value.map(ticking)]);
    else if (SCHEMA_MAPS.has(key))
      entries.push([key, Object.fromEntries(Object.entries(value).map(([name, s]) => [name, ticking(s)]))]);
    else entries.push([key, ticking(value)]);
  }
  return Object.fromEntries(entries); // never `out[key] =`: a property named __proto__ stays a property
}

/** Thrown by the clock to stop a check that ran out of time. */
class OutOfTime extends Error {}

/** One compiled schema's clock: started before each check, ticked by every part a value meets. */
class Clock {
  private deadline = Infinity;
  private ticks = 0;
  start(): void {
    this.deadline = performance.now() + MAX_CHECK_MS;
    this.ticks = 0;
  }
  tick = (): true => {
    if (++this.ticks % TICKS_PER_READ === 0 && performance.now() > this.deadline) throw new OutOfTime();
    return true;
  };
}

/** The same JSON value: what Ajv's uniqueItems calls identical (key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  )
    return false;
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((x, i) => sameJson(x, (b as unknown[])[i]));
  const keys = Object.keys(a);
  const other = b as Record<string, unknown>;
  return (
    keys.length === Object.keys(other).length &&
    keys.every((k) => Object.hasOwn(other, k) && sameJson((a as Record<string, unknown>)[k], other[k]))
  );
}

/**
 * `uniqueItems` in time linear in the list: items grouped by their sorted JSON, and an item compared
 * only with the earlier ones of its group. Reports the first duplicate as Ajv does (its words and params).
 */
function uniqueItemsKeyword(clock: Clock): FuncKeywordDefinition {
  const validate = (schema: boolean, data: unknown[]): boolean => {
    validate.errors = [];
    if (!schema) return true;
    const groups = new Map<string, number[]>();
    for (let i = 0; i < data.length; i++) {
      clock.tick();
      const key = stableJson(data[i]);
      const group = groups.get(key);
      if (!group) {
        groups.set(key, [i]);
        continue;
      }
      for (const j of group) {
        clock.tick();
        if (sameJson(data[i], data[j])) {
          validate.errors = [
            {
              keyword: 'uniqueItems',
              params: { i, j },
              message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
            },
          ];
          return false;
        }
      }
      group.push(i);
    }
    return true;
  };
  validate.errors = [] as Array<Omit<SchemaProblem, 'instancePath'>>;
  return { keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', errors: true, validate };
}

/** A fresh Ajv per schema: one kept would hold every schema it compiled, and refuse a second with the same $id. */
function newAjv(clock: Clock): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowMatchingProperties: true,
    inlineRefs: false,
    validateFormats: false,
    logger: false,
    code: { regExp: linearPattern },
  });
  ajv.addKeyword({ keyword: TICK, schemaType: 'boolean', errors: false, validate: clock.tick });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(uniqueItemsKeyword(clock));
  return ajv;
}

/**
 * The schema compiled, or why it cannot be (Ajv's words, or PatternRefused's for a pattern RE2
 * does not run: `pattern` set then). A top-level `$schema` names a draft; it is not checked against.
 */
export function compileSchema(schema: Record<string, unknown>): CompiledSchema | { error: string; pattern?: true } {
  const { $schema: _draft, ...rest } = schema;
  const clock = new Clock();
  try {
    const validate = newAjv(clock).compile(ticking(rest) as Record<string, unknown>);
    return {
      problems(value) {
        clock.start();
        try {
          return validate(value) ? undefined : ((validate.errors ?? []) as SchemaProblem[]);
        } catch (err) {
          if (err instanceof OutOfTime) return { unchecked: 'time' };
          // the stack ran out: an answer nested thousands deep
          if (err instanceof RangeError) return { unchecked: 'depth' };
          if (err instanceof PatternTooCostly) return { unchecked: 'pattern', why: err.message };
          throw err;
        }
      },
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return err instanceof PatternRefused ? { error: message, pattern: true } : { error: message };
  }
}
