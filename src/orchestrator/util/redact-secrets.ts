/**
 * Secrets out of text that leaves ollm-mcp. Two passes, one function:
 *  - the shapes of credentials, known without any settings (SECRET_SHAPES: an Authorization
 *    header in any quoting, a Bearer or Basic credential, a key- or password-named field, a
 *    vendor's key prefix, the user name and password of a URL): each match keeps its label and loses its value;
 *  - the secret values given (the keys and tokens configured, read from the environment), wherever
 *    they appear verbatim, URL-encoded or base64-encoded.
 * Engine text passes it where it becomes a HostError (engines/host-error.ts); the MCP boundary, the
 * log and `doctor` pass it with every configured value (config/secrets.ts).
 */

const REDACTED = '[redacted]';

/** The characters of a credential value: up to a space, a quote, or what ends a field or a query parameter. */
const VALUE = String.raw`[^\s"'&,;<>{}()\[\]\\]`;
/**
 * Between a field's name and its value: `: ` (a header), `":"` (JSON), `=` (a query or a form); never a bare
 * `:` (a model's name:tag).
 */
const SEPARATOR = String.raw`["']?(?:\s*=\s*|["']\s*:\s*|:\s+)["']?`;

const SCHEMES = '(?:bearer|basic|digest|token|apikey)';

export interface SecretShape {
  name: string;
  /** Group 1 is kept (the label); what follows it in the match is the secret. */
  pattern: RegExp;
}

export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    name: 'authorization header',
    // the scheme, when there is one, is kept: never taken for the value
    pattern: new RegExp(
      String.raw`(\b(?:proxy-)?authorization${SEPARATOR}(?:${SCHEMES}\s+)?)(?!${SCHEMES}\b)${VALUE}+`,
      'gi',
    ),
  },
  {
    // a credential after its scheme anywhere; a word of prose ("Basic authentication") has no digit or symbol in it
    name: 'bearer or basic credential',
    pattern: /(\b(?:bearer|basic)\s+)(?=[A-Za-z0-9._~+/=-]{8,})(?=[A-Za-z._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]+/gi,
  },
  {
    name: 'key or password field',
    pattern: new RegExp(
      String.raw`(\b(?:x-)?(?:api|access|auth|refresh|id|session|bearer|private|secret)[-_]?(?:key|token)${SEPARATOR}|\b(?:client[-_]?)?secret${SEPARATOR}|\b(?:password|passwd)${SEPARATOR}|\bx-goog-api-key${SEPARATOR}|\bapikey${SEPARATOR})${VALUE}{4,}`,
      'gi',
    ),
  },
  {
    // `token` alone names many things (a model's tokens): only as a query parameter or a quoted JSON field
    name: 'token parameter',
    pattern: new RegExp(String.raw`([?&]token=|"token"\s*:\s*")${VALUE}{4,}`, 'gi'),
  },
  {
    name: 'vendor key',
    pattern:
      /()\b(?:sk-(?:proj-|ant-|or-)?[A-Za-z0-9_-]{16,}|(?:hf|gsk|ghp|gho|ghs|glpat)[_-][A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})/g,
  },
  {
    // the whole of it (`user:password@`, a token alone `token@`), up to the last "@" before the path
    name: 'credentials in a URL',
    pattern: /(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#\\\s"'<>]+(?=@)/gi,
  },
];

/**
 * An address's user name and password: after its scheme — or from its start, without one (`OLLAMA_HOST=
 * bob:pw@box`) — up to the last "@" before its path, query or fragment, as the URL parser reads it.
 */
const USERINFO = /^(\s*(?:[a-z][a-z0-9+.-]*:\/\/)?)[^/?#\\\s]+(?=@)/i;

/**
 * An address (a setting's, an engine's) as any text shows it (issue 80, finding 7): its user name and
 * password become `[redacted]`; the rest — a path and a query included — is as written.
 */
export function redactAddress(address: string): string {
  return address.replace(USERINFO, `$1${REDACTED}`);
}

/** Secret values shorter than this are not looked for: they would match ordinary words. */
export const MIN_SECRET_LENGTH = 6;

/** The forms a secret value travels in: itself, URL-encoded, base64 (as in Basic auth) and base64url. */
export function secretForms(value: string): string[] {
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  const forms = [
    value,
    encodeURIComponent(value),
    b64,
    b64.replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
  ];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** `text` without any form of the `secrets` given (and nothing else changed: a model's answer may pass here). */
export function redactValues(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret?.trim();
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    for (const form of secretForms(value)) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** `text` without the credentials it shows, nor any form of the `secrets` given. */
export function redactSecrets(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = redactValues(text, secrets);
  for (const shape of SECRET_SHAPES) out = out.replace(shape.pattern, (_match, label: string) => `${label}${REDACTED}`);
  return out;
}

/**
 * `value` (a tool result, a resource's contents: JSON-like, ours) with every string cleared of the
 * `secrets`; the very same value when none appears in it, which is nearly always.
 */
export function redactValuesDeep<T>(value: T, secrets: readonly string[]): T {
  const forms = secrets.map((s) => s.trim()).filter((s) => s.length >= MIN_SECRET_LENGTH);
  if (forms.length === 0) return value;
  const seen = JSON.stringify(value) ?? '';
  if (!forms.some((s) => secretForms(s).some((f) => seen.includes(f) || seen.includes(JSON.stringify(f).slice(1, -1)))))
    return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactValues(v, forms);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
