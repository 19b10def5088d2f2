/**
 * What the fakes do with a requested answer format, as engines do: a constrained answer is JSON.
 * A reply that is JSON already (what a test set) is sent as it is — a test can so make an engine
 * answer JSON that breaks the schema, as a real one can when it does not enforce it — and any
 * other reply is turned into JSON: for "json", {"response": reply}; for a schema, the least value
 * that holds to it (required properties, each of its type, the reply for the first string).
 */
type Json = unknown;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The least value of a schema, strings filled with `text` (a schema's enum or const first). */
export function sampleOf(schema: Json, text: string, depth = 0): Json {
  if (!isRecord(schema) || depth > 32) return null;
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  const type = Array.isArray(schema['type']) ? schema['type'][0] : schema['type'];
  switch (type) {
    case 'object': {
      const props = isRecord(schema['properties']) ? schema['properties'] : {};
      const required = Array.isArray(schema['required'])
        ? schema['required'].filter((k): k is string => typeof k === 'string')
        : Object.keys(props);
      return Object.fromEntries(required.map((k) => [k, sampleOf(props[k], text, depth + 1)]));
    }
    case 'array':
      return typeof schema['minItems'] === 'number' && schema['minItems'] > 0
        ? Array.from({ length: schema['minItems'] }, () => sampleOf(schema['items'], text, depth + 1))
        : [];
    case 'string':
      return text;
    case 'integer':
    case 'number':
      return typeof schema['minimum'] === 'number' ? schema['minimum'] : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** The reply as an engine constrained to `format` sends it. */
export function formatAnswer(reply: string, format: 'json' | Record<string, unknown>): string {
  try {
    JSON.parse(reply);
    return reply;
  } catch {
    return JSON.stringify(format === 'json' ? { response: reply } : sampleOf(format, reply));
  }
}
