/**
 * YAML for the files people write by hand (settings, project profiles, templates). The parser is
 * loaded on first use: most starts read no YAML at all.
 */
import { cjsExports } from './cjs.js';

export type YamlResult = { ok: true; data: unknown } | { ok: false; message: string; line?: number };

/**
 * Reasons for the errors whose own text would quote the file (an escape, a tag, a directive): a
 * message names where and why, never what the file says there (it may be a link to a secret).
 */
const REASONS: Readonly<Record<string, string>> = {
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string (write \\\\ for a backslash, or use single quotes)',
  TAG_RESOLVE_FAILED: 'unknown tag (a value starting with "!"; quote the value if it is text)',
  BAD_COLLECTION_TYPE: 'a tag that does not fit the value it marks',
  BAD_DIRECTIVE: 'invalid directive (a line starting with "%")',
};
const MAX_REASON = 120;

/** The reason of a YAML error without any text of the file: no snippet, no quoted scalar, tag or alias. */
function yamlReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && Object.hasOwn(REASONS, code)) return REASONS[code]!;
  let reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  reason = reason.replace(/ at line \d+, column \d+:?\s*$/, '').replace(/:\s*$/, '');
  // The library puts what it found after ": " (an alias name, a block header, a tag).
  const colon = reason.indexOf(': ');
  if (colon >= 0) reason = reason.slice(0, colon);
  reason = reason.replace(/"[^"]*"/g, 'a value');
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

/** Parses `text`; a failure comes back as its reason and position (never a quote of the text) and its line number. */
export async function parseYaml(text: string): Promise<YamlResult> {
  const { parse, YAMLParseError } = cjsExports(await import('yaml'));
  try {
    return { ok: true, data: parse(text, { logLevel: 'error' }) };
  } catch (err) {
    const reason = yamlReason(err);
    if (!(err instanceof YAMLParseError) || !err.linePos) return { ok: false, message: reason };
    const { line, col } = err.linePos[0];
    return { ok: false, message: `${reason} at line ${line}, column ${col}`, line };
  }
}

/** The YAML text of `value` (for files the server writes). */
export async function stringifyYaml(value: unknown): Promise<string> {
  const { stringify } = cjsExports(await import('yaml'));
  return stringify(value, { lineWidth: 0 });
}
