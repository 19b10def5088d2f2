/**
 * The MCP Inspector's tool-schema portability check (`--method tools/list --strict`, issue 83 finding 6), as a
 * pure function, so CI holds the published schemas to it without the Inspector. A port of
 * `core/json/schemaLint.ts` of @modelcontextprotocol/inspector 2.12.0 (bundled in its clients/cli/build/index.js):
 * the same rules, keyword lists, walk and paths —
 *
 * - `boolean-schema` (error): a bare `true`/`false` where a schema object is expected (allowed only under
 *   additionalProperties, unevaluatedProperties, additionalItems, unevaluatedItems);
 * - `type-union` (warning): `type` an array of distinct JSON types, which single-`type` dialects (the OpenAPI
 *   subset of Gemini's function declarations) reject;
 * - `remote-ref` (warning): a `$ref` outside the document, when the schema declares no `$id`;
 * - `untyped-schema` (warning): a schema with no validation keyword at all (`{}`, a description alone), which
 *   accepts any value — not under `not`.
 */

export interface PortabilityFinding {
  rule: 'boolean-schema' | 'type-union' | 'remote-ref' | 'untyped-schema';
  severity: 'error' | 'warning';
  /** "inputSchema.properties.keepAlive", as the Inspector prints it. */
  path: string;
}

type Node = Record<string, unknown>;

const BOOLEAN_VALUED = new Set([
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
]);
const SUBSCHEMA = [
  'items',
  'contains',
  'not',
  'propertyNames',
  'if',
  'then',
  'else',
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
  'contentSchema',
];
const SUBSCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'dependentSchemas', 'dependencies', '$defs', 'definitions'];
/** The keywords that constrain an instance (`if` counts only with `then` or `else`). */
const CONSTRAINING = new Set([
  ...['type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum'],
  ...['maxLength', 'minLength', 'pattern', 'format', 'contentMediaType', 'contentEncoding', 'contentSchema'],
  ...['maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains', 'maxProperties', 'minProperties'],
  ...['required', 'dependentRequired', 'allOf', 'anyOf', 'oneOf', 'not', 'items', 'prefixItems', 'contains'],
  ...['additionalItems', 'unevaluatedItems', 'properties', 'patternProperties', 'additionalProperties'],
  ...['unevaluatedProperties', 'propertyNames', 'dependentSchemas', 'dependencies', '$ref', '$dynamicRef'],
  '$recursiveRef',
]);
const JSON_TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'string', 'integer']);
const MAX_DEPTH = 64;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (parent: string, key: string) =>
  /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? parent === ''
      ? key
      : `${parent}.${key}`
    : `${parent}[${JSON.stringify(key)}]`;

const constrains = (node: Node) =>
  Object.keys(node).some((k) => CONSTRAINING.has(k)) || ('if' in node && ('then' in node || 'else' in node));

const portableUnion = (type: unknown[]) =>
  type.length > 0 &&
  type.every((t) => typeof t === 'string' && JSON_TYPES.has(t)) &&
  new Set(type).size === type.length;

/** Each subschema of `node` with its path and the keyword it sits under, in the Inspector's order. */
function eachSubschema(node: Node, path: string, visit: (sub: unknown, at: string, keyword: string) => void): void {
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (isNode(map)) for (const [name, sub] of Object.entries(map)) visit(sub, child(child(path, key), name), key);
  }
  for (const key of SUBSCHEMA_ARRAYS) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((sub, i) => visit(sub, `${child(path, key)}[${i}]`, key));
  }
  for (const key of SUBSCHEMA) {
    if (!(key in node)) continue;
    const value = node[key];
    if (key === 'items' && Array.isArray(value))
      value.forEach((sub, i) => visit(sub, `${child(path, key)}[${i}]`, key));
    else visit(value, child(path, key), key);
  }
}

function declaresId(node: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH || !isNode(node)) return false;
  if (typeof node.$id === 'string' && node.$id !== '') return true;
  let found = false;
  eachSubschema(node, '', (sub) => {
    found ||= declaresId(sub, depth + 1);
  });
  return found;
}

/** The Inspector's findings for one schema; `kind` ("inputSchema", "outputSchema") starts each path. */
export function portabilityFindings(schema: unknown, kind: string): PortabilityFinding[] {
  const findings: PortabilityFinding[] = [];
  const embeddedIds = declaresId(schema);
  const at = (path: string) => (path === '' ? kind : `${kind}.${path}`);
  const walk = (node: unknown, path: string, keyword: string | undefined, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof node === 'boolean') {
      if (keyword === undefined || !BOOLEAN_VALUED.has(keyword))
        findings.push({ rule: 'boolean-schema', severity: 'error', path: at(path) });
      return;
    }
    if (!isNode(node)) return;
    if (Array.isArray(node.type) && portableUnion(node.type))
      findings.push({ rule: 'type-union', severity: 'warning', path: at(path) });
    const ref = node.$ref;
    if (typeof ref === 'string' && ref !== '' && !ref.startsWith('#') && !embeddedIds)
      findings.push({ rule: 'remote-ref', severity: 'warning', path: at(path) });
    if (!constrains(node) && keyword !== 'not')
      findings.push({ rule: 'untyped-schema', severity: 'warning', path: at(path) });
    eachSubschema(node, path, (sub, subPath, subKeyword) => walk(sub, subPath, subKeyword, depth + 1));
  };
  walk(schema, '', undefined, 0);
  return findings;
}

/** A tool as tools/list lists it: the parts the check reads. */
interface ListedSchemas {
  name: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
}

/** Every finding over a tool list, each as `tool: path (rule)` — what `--strict` would print. */
export function toolListFindings(tools: readonly ListedSchemas[]): string[] {
  return tools.flatMap((t) =>
    [
      ...(t.inputSchema === undefined ? [] : portabilityFindings(t.inputSchema, 'inputSchema')),
      ...(t.outputSchema === undefined ? [] : portabilityFindings(t.outputSchema, 'outputSchema')),
    ].map((f) => `${t.name}: ${f.path} (${f.rule}, ${f.severity})`),
  );
}
