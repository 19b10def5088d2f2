/**
 * Prompt template text: `{name}` placeholders, `{name:default}` inline defaults, and `{{` / `}}`
 * for literal braces (also inside default text). Pure: no I/O.
 */
import { grouped } from '../util/locale-free.js';
import { hasVisible } from '../util/visible.js';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** A brace that is neither a placeholder nor an escape; `line` and `column` are 1-based. */
export class TemplateSyntaxError extends TemplateError {
  override name = 'TemplateSyntaxError';

  constructor(
    readonly line: number,
    readonly column: number,
    what: string,
  ) {
    super(`line ${line}, column ${column}: ${what}; write {{ or }} for a literal brace`);
  }
}

export type TemplatePart =
  { kind: 'text'; text: string } | { kind: 'placeholder'; name: string; default?: string; offset: number };

/** A variable as a definition lists it. */
export interface VariableSpec {
  name: string;
  required?: boolean;
  default?: string;
  description?: string;
}

/** What rendering needs of a definition. */
export interface TemplateSource {
  template: string;
  variables?: readonly VariableSpec[];
}

/** A variable as callers see it: listed or only used in the text, with its effective default. */
export interface ResolvedVariable {
  name: string;
  required: boolean;
  default?: string;
  description?: string;
}

export interface RenderResult {
  prompt: string;
  /** Required variables with no value, in first-appearance order; each is left as `{name}` in `prompt`. */
  missing: Array<{ name: string; description?: string }>;
  /** The value each rendered variable got (given or default). */
  used: Record<string, string>;
  /** Given values the template has no placeholder for (likely typos). */
  ignored: string[];
}

/**
 * The longest prompt a template is filled to, in characters (about 250,000 tokens: more than most
 * models' context). A template that repeats a long value would otherwise grow without bound.
 */
export const MAX_RENDERED_CHARS = 1_000_000;

/** A filled-in template longer than the cap: refused before it is built. */
export class RenderTooLargeError extends TemplateError {
  override name = 'RenderTooLargeError';

  constructor(
    readonly chars: number,
    readonly max: number,
    /** The variable adding the most text, how often it is used and its length. */
    readonly biggest: { name: string; uses: number; chars: number } | undefined,
  ) {
    const n = (x: number) => grouped(x);
    const most = biggest
      ? `; {${biggest.name}} alone adds ${n(biggest.uses * biggest.chars)} ` +
        `(${biggest.uses === 1 ? 'once' : `${n(biggest.uses)} times`}, ${n(biggest.chars)} ` +
        `characters each)`
      : '';
    super(
      `Filled in, this template would be ${n(chars)} characters, more than the ${n(max)} a ` +
        `filled-in template may be${most} — give shorter values, or with generate: true name long ` +
        `text by path in files (the server reads it and splits what is longer than a model's ` +
        `context) instead of putting it into a variable.`,
    );
  }
}

export interface RenderOptions {
  /** The longest prompt to build, in characters (default MAX_RENDERED_CHARS). */
  maxChars?: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_-]/;

function position(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return [line, offset - before.lastIndexOf('\n')];
}

function fail(text: string, offset: number, what: string): never {
  const [line, column] = position(text, offset);
  throw new TemplateSyntaxError(line, column, what);
}

/** Splits template text into literal text and placeholders; throws TemplateSyntaxError on a stray brace. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  const flush = () => {
    if (literal) parts.push({ kind: 'text', text: literal });
    literal = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '}') {
      if (text[i + 1] !== '}') fail(text, i, '"}" has no matching "{"');
      literal += '}';
      i += 2;
    } else if (c !== '{') {
      literal += c;
      i += 1;
    } else if (text[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else {
      const start = i;
      let j = i + 1;
      if (text[j] === '}') fail(text, start, 'empty placeholder {}');
      if (j >= text.length || !NAME_START.test(text[j]!)) {
        fail(text, start, '"{" is not followed by a variable name (a placeholder is {name} or {name:default text})');
      }
      while (j < text.length && NAME_CHAR.test(text[j]!)) j += 1;
      const name = text.slice(start + 1, j);
      if (j >= text.length) fail(text, start, `{${name} is never closed with "}"`);
      let dflt: string | undefined;
      if (text[j] === ':') {
        dflt = '';
        j += 1;
        for (;;) {
          if (j >= text.length) fail(text, start, `{${name}:... is never closed with "}"`);
          const d = text[j]!;
          if (d === '{') {
            if (text[j + 1] !== '{') fail(text, j, `"{" inside the default text of {${name}}`);
            dflt += '{';
            j += 2;
          } else if (d === '}') {
            if (text[j + 1] !== '}') break;
            dflt += '}';
            j += 2;
          } else {
            dflt += d;
            j += 1;
          }
        }
      } else if (text[j] !== '}') {
        fail(
          text,
          start,
          `${JSON.stringify(`{${name}${text[j]}`)} does not start a placeholder (names are letters, ` +
            `digits, _ and -, like {file_name})`,
        );
      }
      flush();
      parts.push(
        dflt === undefined
          ? { kind: 'placeholder', name, offset: start }
          : { kind: 'placeholder', name, default: dflt, offset: start },
      );
      i = j + 1;
    }
  }
  flush();
  return parts;
}

/** Each placeholder name once, in first-appearance order, with its first inline default. */
export function placeholders(parts: readonly TemplatePart[]): Array<{ name: string; default?: string }> {
  const seen = new Map<string, { name: string; default?: string }>();
  for (const p of parts) {
    if (p.kind !== 'placeholder') continue;
    const known = seen.get(p.name);
    if (!known) seen.set(p.name, p.default === undefined ? { name: p.name } : { name: p.name, default: p.default });
    else if (known.default === undefined && p.default !== undefined) known.default = p.default;
  }
  return [...seen.values()];
}

/**
 * Listed variables (in list order) then unlisted placeholders (in text order). A variable is required
 * when it says so, or when it says nothing and has no default, listed or inline.
 */
export function resolveVariables(
  parts: readonly TemplatePart[],
  variables: readonly VariableSpec[] = [],
): ResolvedVariable[] {
  const inline = new Map(placeholders(parts).map((p) => [p.name, p.default]));
  const out = new Map<string, ResolvedVariable>();
  const add = (
    name: string,
    required: boolean | undefined,
    dflt: string | undefined,
    description: string | undefined,
  ) => {
    if (out.has(name)) return;
    const v: ResolvedVariable = { name, required: required ?? dflt === undefined };
    if (dflt !== undefined) v.default = dflt;
    if (description !== undefined) v.description = description;
    out.set(name, v);
  };
  for (const v of variables) add(v.name, v.required, v.default ?? inline.get(v.name), v.description);
  for (const [name, dflt] of inline) add(name, undefined, dflt, undefined);
  return [...out.values()];
}

/**
 * Fills the placeholders. A value counts when a character of it shows (util/visible.ts); otherwise the
 * listed default, then the placeholder's own inline default, apply. Values are inserted verbatim, never
 * expanded again.
 */
export function renderTemplate(
  def: TemplateSource,
  values: Readonly<Record<string, string>> = {},
  options: RenderOptions = {},
): RenderResult {
  const parts = parseTemplate(def.template);
  const vars = new Map(resolveVariables(parts, def.variables).map((v) => [v.name, v]));
  const listed = new Map((def.variables ?? []).map((v) => [v.name, v]));
  const given = (name: string): string | undefined => {
    const v = Object.hasOwn(values, name) ? values[name] : undefined;
    return typeof v === 'string' && hasVisible(v) ? v : undefined;
  };
  // the pieces first, and their length: a prompt over the cap is never built
  const pieces: string[] = [];
  let chars = 0;
  const uses = new Map<string, number>();
  const used = new Map<string, string>();
  const missing = new Map<string, { name: string; description?: string }>();
  for (const p of parts) {
    if (p.kind === 'text') {
      pieces.push(p.text);
      chars += p.text.length;
      continue;
    }
    const v = vars.get(p.name)!;
    const value =
      given(p.name) ?? listed.get(p.name)?.default ?? p.default ?? v.default ?? (v.required ? undefined : '');
    const piece = value ?? `{${p.name}}`;
    if (value === undefined) {
      if (!missing.has(p.name))
        missing.set(
          p.name,
          v.description === undefined ? { name: p.name } : { name: p.name, description: v.description },
        );
    } else {
      if (!used.has(p.name)) used.set(p.name, value);
      uses.set(p.name, (uses.get(p.name) ?? 0) + 1);
    }
    pieces.push(piece);
    chars += piece.length;
  }
  const max = options.maxChars ?? MAX_RENDERED_CHARS;
  if (chars > max) {
    const sizes = [...uses].map(([name, n]) => ({ name, uses: n, chars: used.get(name)!.length }));
    const biggest = sizes.sort((a, b) => b.uses * b.chars - a.uses * a.chars)[0];
    throw new RenderTooLargeError(chars, max, biggest && biggest.uses * biggest.chars > 0 ? biggest : undefined);
  }
  return {
    prompt: pieces.join(''),
    missing: [...missing.values()],
    used: Object.fromEntries(used),
    ignored: Object.keys(values).filter((k) => !vars.has(k)),
  };
}
