/**
 * Ajv, compiling the caller's JSON Schema for answer-format.ts — imported by it only when a call
 * asks for a schema (a chunk of its own in the build: no start loads Ajv). Draft 2020-12, whose
 * keywords cover what engines take; strict, so a misspelt keyword is an error rather than a check
 * silently skipped; `format` keywords (date-time, email) are not checked, as engines do not either.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

/** One problem Ajv found, as it reports it. */
export interface SchemaProblem {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A fresh Ajv per schema: one kept would hold every schema it compiled, and refuse a second with the same $id. */
const newAjv = () => new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, validateFormats: false, logger: false });

/** A compiled schema's check: undefined when the value holds, else the problems. */
export interface CompiledSchema {
  problems(value: unknown): readonly SchemaProblem[] | undefined;
}

/** The schema compiled, or why it cannot be (Ajv's words). A top-level `$schema` names a draft; it is not checked against. */
export function compileSchema(schema: Record<string, unknown>): CompiledSchema | { error: string } {
  const { $schema: _draft, ...rest } = schema;
  try {
    const validate = newAjv().compile(rest);
    return { problems: (value) => (validate(value) ? undefined : ((validate.errors ?? []) as SchemaProblem[])) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
