/**
 * `{{topic}}` — a placeholder as Mustache and Jinja write it — is, in a template here, the literal
 * text `{topic}` (`{{` and `}}` stand for a brace): such a template has no variable and renders
 * `{topic}` (issue 75, finding 11). These are the names written so, for save_template and
 * render_template to say how a variable is written.
 */
import { parseTemplate } from './render.js';

const DOUBLED = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)(?::[^{}]*)?\s*\}\}/g;

/** Names written `{{name}}` that are no placeholder of the template, in first-appearance order. */
export function literalNames(template: string): string[] {
  let placeholders: Set<string>;
  try {
    placeholders = new Set(parseTemplate(template).flatMap((p) => (p.kind === 'placeholder' ? [p.name] : [])));
  } catch {
    return []; // a template that does not parse is refused with its own words
  }
  const out: string[] = [];
  for (const m of template.matchAll(DOUBLED)) if (!placeholders.has(m[1]!) && !out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** What to tell of such names: they stay literal, and how a variable is written. */
export function literalNote(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const first = names[0]!;
  const listed = names.map((n) => `{{${n}}}`).join(', ');
  return (
    `${listed} ${names.length === 1 ? 'stays' : 'stay'} literal text ({{ and }} stand for a ` +
    `brace): a variable is written {${first}}, with single braces.`
  );
}
