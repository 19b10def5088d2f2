/**
 * A prompt template definition, from a user's YAML file or a tool call:
 * `{ name, description, template, variables?: [{ name, required?, default?, description? }] }`.
 */
import { editDistance } from '../util/edit-distance.js';
import { hasVisible } from '../util/visible.js';
import * as z from 'zod';
import {
  parseTemplate,
  placeholders,
  resolveVariables,
  TemplateError,
  TemplateSyntaxError,
  type ResolvedVariable,
} from './render.js';

export { TemplateError } from './render.js';

/** Also the file's base name, so a name can never reach outside the templates folder. */
const TEMPLATE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MAX_TEMPLATE_CHARS = 20_000;
const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const TOP_KEYS = ['name', 'description', 'template', 'variables'];
const VARIABLE_KEYS = ['name', 'required', 'default', 'description'];
/** A key or value shown in a message only when it is this short and plain: a file's other text is never quoted. */
const QUOTABLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;
const MAX_QUOTED = 40;

/**
 * Names every JavaScript object already has (constructor, toString, __proto__, ...). Code that
 * keeps things by name in a plain object finds these on any object, so the MCP SDK would take a
 * prompt called "constructor" for one already registered.
 */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

export function isPrototypeName(name: string): boolean {
  return PROTOTYPE_NAMES.has(name);
}

interface TemplateVariable {
  name: string;
  required?: boolean;
  default?: string;
  description?: string;
}

export interface TemplateDef {
  name: string;
  description: string;
  template: string;
  variables?: TemplateVariable[];
}

/** Why `name` cannot name a template, or undefined when it can. */
export function templateNameProblem(name: unknown): string | undefined {
  const rule =
    'a template name is 1-64 letters, digits, _ or -, starting with a letter or digit (no dots, slashes or spaces)';
  if (typeof name !== 'string') return `${rule}; got ${kindOf(name)}`;
  if (isPrototypeName(name)) {
    const instead = `${name.replace(/^_+|_+$/g, '')}_template`;
    return (
      `"${name}" cannot be a template name: every JavaScript object has a property of that name ` +
      `(Object.prototype.${name}), so MCP servers would confuse the prompt with it; choose ` +
      `another name, such as "${instead}"`
    );
  }
  if (!TEMPLATE_NAME_PATTERN.test(name)) return `"${name}" is not a valid template name: ${rule}`;
  if (WINDOWS_DEVICE.test(name)) return `"${name}" is a reserved device name on Windows; choose another template name`;
  return undefined;
}

function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const shown = JSON.stringify(v);
  return `${typeof v} ${shown.length > MAX_QUOTED ? `${shown.slice(0, MAX_QUOTED - 1)}…` : shown}`;
}

const text = (what: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? 'is missing' : `must be ${what}, not ${kindOf(iss.input)}`) });

const VariableSchema = z.strictObject(
  {
    name: text('a variable name').regex(VARIABLE_NAME_PATTERN, {
      error: 'must be letters, digits, _ or - (at most 64), starting with a letter or _, like file_name',
    }),
    required: z.boolean({ error: (iss) => `must be true or false, not ${kindOf(iss.input)}` }).optional(),
    default: z
      .union([z.string(), z.number(), z.boolean()], {
        error: (iss) => `must be text, not ${kindOf(iss.input)} (write default: "" for an empty default)`,
      })
      .transform(String)
      .optional(),
    description: text('text').max(1000, { error: 'is longer than 1000 characters' }).optional(),
  },
  { error: (iss) => `must be a mapping with ${VARIABLE_KEYS.join(', ')}, not ${kindOf(iss.input)}` },
);

const TemplateSchema = z.strictObject(
  {
    name: z
      .string({ error: (iss) => (iss.input === undefined ? 'is missing' : `must be text, not ${kindOf(iss.input)}`) })
      .refine((v) => templateNameProblem(v) === undefined, { error: (iss) => templateNameProblem(iss.input) }),
    description: text('text')
      .trim()
      .min(1, { error: 'is empty' })
      .max(1000, { error: 'is longer than 1000 characters' }),
    template: text('text')
      // blank as a prompt is (util/visible.ts): of spaces, or of characters that show nothing
      .refine((t) => hasVisible(t), { error: 'is empty' })
      // written out: toLocaleString here would load ICU's number data at start-up (+5 MB resident)
      .max(MAX_TEMPLATE_CHARS, { error: 'is longer than 20,000 characters' }),
    variables: z
      .array(VariableSchema, { error: (iss) => `must be a list of variables, not ${kindOf(iss.input)}` })
      .optional(),
  },
  { error: (iss) => `A template must be a mapping with ${TOP_KEYS.join(', ')}; got ${kindOf(iss.input)}` },
);

function label(path: readonly PropertyKey[], raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const key of path) {
    node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number') {
      const name = typeof node === 'object' && node !== null ? (node as { name?: unknown }).name : undefined;
      out += `[${key}]${typeof name === 'string' ? ` ("${name}")` : ''}`;
    } else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const at = label(issue.path, raw);
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length === 0 ? TOP_KEYS : VARIABLE_KEYS;
    return issue.keys.map((key) => {
      const near = known.find((k) => editDistance(k, key.toLowerCase()) <= 2);
      const hint = near ? `did you mean "${near}"? ` : '';
      const what = QUOTABLE_KEY.test(key) ? `unknown key "${key}"` : `an unknown key of ${key.length} characters`;
      return `${at ? `${at}: ` : ''}${what} (${hint}allowed: ${known.join(', ')})`;
    });
  }
  // Template-name problems are whole sentences.
  if ((issue.code === 'custom' && at === 'name') || !at) return [issue.message];
  return [`${at} ${issue.message}`];
}

/** Checks a definition and returns it with defaults as text; throws TemplateError naming every problem. */
export function validateTemplate(raw: unknown, where?: string): TemplateDef {
  const fail = (problems: string[]): never => {
    throw new TemplateError(`${where ? `${where}: ` : ''}${problems.join('; ')}`);
  };
  // YAML writes an empty `variables:` as null.
  const emptyVariables = typeof raw === 'object' && raw !== null && (raw as { variables?: unknown }).variables === null;
  const input = emptyVariables ? { ...raw, variables: undefined } : raw;
  const parsed = TemplateSchema.safeParse(input);
  if (!parsed.success) return fail(parsed.error.issues.flatMap((i) => describeIssue(i, input)));
  const def: TemplateDef = parsed.data;
  if (def.variables === undefined) delete def.variables;
  let used: Map<string, string | undefined>;
  try {
    used = new Map(placeholders(parseTemplate(def.template)).map((p) => [p.name, p.default]));
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return fail([`template ${err.message}`]);
    throw err;
  }
  const problems: string[] = [];
  // Arguments travel as plain objects, where such a name is always present (and a value for __proto__ is dropped).
  for (const name of new Set([...used.keys(), ...(def.variables ?? []).map((v) => v.name)])) {
    if (!isPrototypeName(name)) continue;
    const instead = `${name.replace(/^_+|_+$/g, '')}_value`;
    problems.push(
      `variable "${name}" cannot be used: every JavaScript object has a property of that name ` +
        `(Object.prototype.${name}), so a value left out would still seem given; rename it, e.g. ` +
        `{${instead}}`,
    );
  }
  const seen = new Map<string, number>();
  (def.variables ?? []).forEach((v, i) => {
    const first = seen.get(v.name);
    if (first !== undefined) {
      problems.push(`variable "${v.name}" is declared twice (variables[${first}] and variables[${i}])`);
      return;
    }
    seen.set(v.name, i);
    if (!used.has(v.name)) problems.push(`variable "${v.name}" is declared but the template never uses {${v.name}}`);
    if (v.required === true && v.default !== undefined) {
      problems.push(
        `variable "${v.name}" is required: true and also has default "${v.default}"; a variable ` +
          `with a default is optional, so drop one`,
      );
    } else if (v.required === true && used.get(v.name) !== undefined) {
      problems.push(
        `variable "${v.name}" is required: true but the template gives it an inline default {${v.name}:...}; drop one`,
      );
    }
  });
  if (problems.length > 0) fail(problems);
  return def;
}

/** Every variable of a valid definition: listed ones, then ones only used in the text. */
export function variablesOf(def: TemplateDef): ResolvedVariable[] {
  return resolveVariables(parseTemplate(def.template), def.variables);
}

export type { ResolvedVariable };
