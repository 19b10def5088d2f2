/**
 * An output schema as tools/list publishes it (issue 83, finding 6): the shape a client checks a result
 * against, lighter and typed everywhere. Dropped, as they check nothing: `description` (the words are for a
 * reader of the source; a client checking structuredContent never reads them, and clients that forward the
 * schemas pay for them — 17 KB of the 54 KB the output schemas weighed), `propertyNames: {type: "string"}`
 * (every JSON key is a string), and an `additionalProperties` or `items` that allows anything (as leaving
 * them out does). A value that may be any JSON (a structured answer's `json`) is published as one branch per
 * JSON type, each with a single `type`: strict clients (the MCP Inspector's portability check) refuse a
 * schema that says nothing, and single-type dialects a `type` array. Everything that constrains a result —
 * types, enums, required, `additionalProperties: false` — is kept. Pure.
 */
type Json = unknown;
type Schema = Record<string, Json>;

/** Any JSON value, one type a branch. */
const ANY_JSON: Schema = {
  anyOf: ['object', 'array', 'string', 'number', 'boolean', 'null'].map((type) => ({ type })),
};

/** Keywords whose value is one schema, a list of schemas, or schemas by name. */
const ONE = new Set(['items', 'additionalProperties', 'not', 'contains', 'propertyNames']);
const LIST = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
const BY_NAME = new Set(['properties', 'patternProperties', '$defs']);
/** Where a schema that allows anything is the same as none. */
const OMITTABLE = new Set(['items', 'additionalProperties']);

const isSchema = (v: Json): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const allowsAnything = (s: Json) => isSchema(s) && Object.keys(s).length === 0;
const saysString = (s: Json) => isSchema(s) && Object.keys(s).length === 1 && s.type === 'string';

/** One subschema made lean: undefined when it may be left out where it stands. */
function sub(key: string, value: Json): Json {
  if (!isSchema(value)) return value; // a boolean schema stays as written
  const out = leanNode(value);
  if (allowsAnything(out)) return OMITTABLE.has(key) ? undefined : ANY_JSON;
  return out;
}

function leanNode(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || (key === 'propertyNames' && saysString(value))) continue;
    let next: Json = value;
    if (ONE.has(key)) next = sub(key, value);
    else if (LIST.has(key) && Array.isArray(value)) next = value.map((v) => sub(key, v));
    else if (BY_NAME.has(key) && isSchema(value))
      next = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, sub(key, v)]));
    if (next !== undefined) out[key] = next;
  }
  return out;
}

/** The published copy of a tool's output schema (zod's conversion). */
export function leanOutput(schema: Record<string, unknown>): Record<string, unknown> {
  return leanNode(schema);
}
