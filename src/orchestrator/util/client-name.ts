/**
 * What a client says of itself and others are shown — its MCP clientInfo name and version, its
 * working folder and project — made safe and small where they enter (ollm://fleet, show_status,
 * the shared server's `who`, doctor): terminal escape sequences (CSI, OSC, DCS…) removed, every
 * other control character (line breaks, tabs, NUL, DEL, C1), bidirectional overrides and invisible
 * format characters replaced by one space per run, spaces around trimmed, half surrogate pairs
 * replaced, and the rest cut to a bound with an ellipsis. A plain name ("claude-code", "Cursor 1.2",
 * "Café") is kept exactly.
 */

/** The most characters of a client's name (or version, or project) shown. */
export const MAX_CLIENT_NAME = 100;
/** The most characters of a client's working folder shown (its start and its end, "…" between). */
export const MAX_CLIENT_PATH = 200;
/** How much of a text is looked at, per character kept: what a flood of escape sequences may cost. */
const READ_PER_KEPT = 8;

// ESC [ … final (CSI), ESC ] … BEL or ESC \ (OSC), ESC P/X/^/_ … ESC \ (DCS, SOS, PM, APC), ESC and one
// character; the one-character C1 introducers (U+009B CSI, U+009D OSC) likewise.
const ESCAPES =
  /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?|\x1b[\x20-\x7e]?/g;
// control characters, line and paragraph separators, bidirectional embeddings/overrides/isolates,
// zero-width and other invisible format characters, the byte-order mark
const UNSHOWN = /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]+/g;
const HALF_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `raw` with escape sequences gone and unshown characters as single spaces, trimmed; at most `look` code
 * units read.
 */
function cleaned(raw: string, look: number): string {
  return raw.slice(0, look).replace(ESCAPES, '').replace(UNSHOWN, ' ').replace(HALF_SURROGATE, '\ufffd').trim();
}

/**
 * A client's name, version or project as shown: cleaned, at most `max` characters ("…" last when cut);
 * undefined when nothing is left or it is no string.
 */
export function clientText(raw: unknown, max = MAX_CLIENT_NAME): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const chars = Array.from(cleaned(raw, (max + 1) * READ_PER_KEPT));
  if (chars.length === 0) return undefined;
  return chars.length <= max
    ? chars.join('')
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/**
 * A client's working folder as shown: cleaned, at most `max` characters — its start and its end, "…" between,
 * when cut.
 */
export function clientPath(raw: string, max = MAX_CLIENT_PATH): string {
  const look = (max + 1) * READ_PER_KEPT;
  const whole = raw.length <= look ? Array.from(cleaned(raw, look)) : undefined;
  if (whole && whole.length <= max) return whole.join('');
  const tail = Math.floor((max - 1) * 0.6); // the end names the folder: more of it is kept
  const start = whole ?? Array.from(cleaned(raw, look));
  const end = whole ?? Array.from(cleaned(raw.slice(-look), look));
  return `${start
    .slice(0, max - 1 - tail)
    .join('')
    .trimEnd()}…${end
    .slice(Math.max(0, end.length - tail))
    .join('')
    .trimStart()}`;
}

/** A connected client as it is shown to others, each field cleaned and bounded. */
export function shownClient<
  C extends { name?: string | undefined; version?: string | undefined; cwd: string; project?: string | undefined },
>(c: C): C {
  const { name, version, project, ...rest } = c;
  const shown = { name: clientText(name), version: clientText(version), project: clientText(project) };
  return {
    ...rest,
    cwd: clientPath(c.cwd),
    ...(shown.name !== undefined && { name: shown.name }),
    ...(shown.version !== undefined && { version: shown.version }),
    ...(shown.project !== undefined && { project: shown.project }),
  } as C;
}
