/**
 * YAML for the files people write by hand (settings, project profiles, templates). The parser is
 * loaded on first use: most starts read no YAML at all.
 */
import { cjsExports } from './cjs.js';

export type YamlResult = { ok: true; data: unknown } | { ok: false; message: string; line?: number };

/** Parses `text`; a failure comes back as its first line (without a trailing colon) and its line number. */
export async function parseYaml(text: string): Promise<YamlResult> {
  const { parse, YAMLParseError } = cjsExports(await import('yaml'));
  try {
    return { ok: true, data: parse(text, { logLevel: 'error' }) };
  } catch (err) {
    const message = (err instanceof Error ? err.message.split('\n')[0]! : String(err)).replace(/:\s*$/, '');
    return err instanceof YAMLParseError && err.linePos ? { ok: false, message, line: err.linePos[0].line } : { ok: false, message };
  }
}

/** The YAML text of `value` (for files the server writes). */
export async function stringifyYaml(value: unknown): Promise<string> {
  const { stringify } = cjsExports(await import('yaml'));
  return stringify(value, { lineWidth: 0 });
}
