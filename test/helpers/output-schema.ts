/**
 * A tool's result checked against the output schema a client was given in tools/list, by a
 * standard JSON Schema validator (Ajv) rather than by the zod schema it was converted from: what a
 * client that validates (MCP Inspector, the official SDKs) would refuse, this refuses.
 *
 * The Ajv class is chosen by the schema's `$schema` (zod publishes draft 2020-12, the MCP SDK's
 * JSON_SCHEMA_CONVERSION_TARGET); a schema naming a draft this does not know is an error, not a
 * check skipped. Strict: a keyword Ajv does not know fails the compile rather than being ignored
 * (`type: ["number", "string"]` is standard JSON Schema, so union types are allowed).
 */
import { Ajv, type ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** One Ajv per draft, made on first use (the published schemas carry no $id: any number compile in one). */
const DRAFTS = {
  'https://json-schema.org/draft/2020-12/schema': () =>
    new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, logger: false }),
  'http://json-schema.org/draft-07/schema#': () =>
    new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, logger: false }),
} as const;
type Draft = keyof typeof DRAFTS;
const made = new Map<Draft, Pick<Ajv, 'compile'>>();

/** Ajv's errors in one line each: where, and what is wrong (the extra property named). */
function describe(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : '';
    return `${e.instancePath || '(root)'} ${e.message ?? e.keyword}${extra}`;
  });
}

/** A compiled output schema: `problems(value)` is empty when the value holds to it. */
export interface OutputCheck {
  problems(value: unknown): string[];
}

/** Compiles a published output schema with the Ajv class of its draft. */
export function outputCheck(schema: Record<string, unknown>): OutputCheck {
  const draft = schema.$schema;
  if (typeof draft !== 'string' || !Object.hasOwn(DRAFTS, draft))
    throw new Error(`an output schema of an unknown draft: $schema ${JSON.stringify(draft)}`);
  let ajv = made.get(draft as Draft);
  if (!ajv) made.set(draft as Draft, (ajv = DRAFTS[draft as Draft]()));
  const validate = ajv.compile(schema);
  return { problems: (value) => (validate(value) ? [] : describe(validate.errors ?? [])) };
}
