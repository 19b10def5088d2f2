/**
 * An input schema as the calling model reads it in tools/list, every turn: types, enums, required
 * properties and the bounds that tell it something (compare's 2–5 models, a temperature's range).
 * What only guards the server — `$schema`, `additionalProperties: false`, `propertyNames`, length
 * limits, list limits of 8 and more, numeric limits of 100,000 and more — is left out of the
 * published copy: the server validates every call against the full schema and refuses what breaks
 * it by name (define.ts), so nothing is accepted that was refused before. So is the type beside a
 * `const`, which says it. Pure.
 */
type Json = unknown;

const GUARDS = new Set(['$schema', 'additionalProperties', 'propertyNames', 'maxLength']);
/** Bounds kept only when they say something a model could get wrong. */
const telling = (key: string, value: Json): boolean => {
  if (typeof value !== 'number') return true;
  if (key === 'minLength') return value > 1;
  if (key === 'maxItems') return value < 8;
  if (key === 'maximum') return value < 100_000;
  return true;
};

export function slimSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(slimSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, Json> = {};
  const constant = 'const' in schema;
  for (const [key, value] of Object.entries(schema)) {
    if (GUARDS.has(key) || !telling(key, value)) continue;
    if (key === 'type' && constant) continue; // a const says its type itself
    // under `properties` every key is an argument's name, never a keyword
    out[key] = key === 'properties' && typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, slimSchema(v)])) : slimSchema(value);
  }
  return out;
}
