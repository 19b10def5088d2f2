/**
 * An input schema as the calling model reads it in tools/list, every turn: types, enums, required
 * properties and the bounds that tell it something (compare's 2–5 models, a temperature's range).
 * What only guards the server — `$schema`, `additionalProperties: false`, `propertyNames`, length
 * limits, list limits of 8 and more, numeric limits of 100,000 and more — is left out of the
 * published copy: the server validates every call against the full schema and refuses what breaks
 * it by name (define.ts), so nothing is accepted that was refused before. So is a type the value
 * says itself — beside a `const`, and `string` beside an `enum` of strings — and a `minimum` of 1
 * on an integer (a count), and an `items` that allows anything. Pure.
 */
type Json = unknown;

const GUARDS = new Set(['$schema', 'additionalProperties', 'propertyNames', 'maxLength']);
/** Bounds kept only when they say something a model could get wrong. */
const telling = (key: string, value: Json, schema: object): boolean => {
  if (typeof value !== 'number') return true;
  if (key === 'minLength') return value > 1;
  if (key === 'maxItems') return value < 8;
  if (key === 'maximum') return value < 100_000;
  if (key === 'minimum') return value !== 1 || !('type' in schema && schema.type === 'integer');
  return true;
};

/** The type its values say: beside a const, or `string` beside an enum of strings. */
const saidByValues = (schema: object): boolean =>
  'const' in schema ||
  ('enum' in schema &&
    'type' in schema &&
    schema.type === 'string' &&
    Array.isArray(schema.enum) &&
    schema.enum.every((v) => typeof v === 'string'));

export function slimSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(slimSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, Json> = {};
  const typeSaid = saidByValues(schema);
  for (const [key, value] of Object.entries(schema)) {
    if (GUARDS.has(key) || !telling(key, value, schema)) continue;
    if (key === 'type' && typeSaid) continue;
    // `items: {}` allows any item, as no `items` does
    if (
      key === 'items' &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length === 0
    )
      continue;
    // under `properties` every key is an argument's name, never a keyword
    out[key] =
      key === 'properties' && typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, slimSchema(v)]))
        : slimSchema(value);
  }
  return out;
}
