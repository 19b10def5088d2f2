/**
 * User-supplied names and values in messages. A model, template or key name is echoed whole up to
 * 100 characters; a longer one shows its first 80 and its length, so a megabyte-long name cannot
 * turn an error message into a megabyte.
 */

const WHOLE_UP_TO = 100;
const SHOWN = 80;

/** `value` itself when short; otherwise its first 80 characters, "…" and how long it is. */
export function shortened(value: string): string {
  if (value.length <= WHOLE_UP_TO) return value;
  return `${head(value)}… (${value.length} characters)`;
}

/** `value` in double quotes (JSON escapes) when short; otherwise its quoted start and its length. */
export function quoted(value: string): string {
  if (value.length <= WHOLE_UP_TO) return JSON.stringify(value);
  return `${JSON.stringify(`${head(value)}…`)} (${value.length} characters)`;
}

/** The first characters, never ending in half a surrogate pair. */
function head(value: string): string {
  const end = /[\uD800-\uDBFF]/.test(value.charAt(SHOWN - 1)) ? SHOWN - 1 : SHOWN;
  return value.slice(0, end);
}

/** Every string in `input` (objects and lists included, a few levels deep) too long to echo whole. */
function longStrings(input: unknown): Set<string> {
  const found = new Set<string>();
  const stack: Array<[unknown, number]> = [[input, 0]]; // an explicit stack: no recursion over what a client sent
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > WHOLE_UP_TO) found.add(value);
    } else if (depth < 4 && typeof value === 'object' && value !== null) {
      for (const v of Array.isArray(value) ? value : Object.values(value)) stack.push([v, depth + 1]);
    }
  }
  return found;
}

/**
 * `message` with every echo of a long string from `input` shortened — as written, or as it
 * appears inside a JSON-quoted string. The net under every tool failure, whichever part of the
 * server wrote the message.
 */
export function withoutLongEchoes(message: string, input: unknown): string {
  if (message.length <= WHOLE_UP_TO) return message;
  const long = [...longStrings(input)].sort((a, b) => b.length - a.length);
  let out = message;
  for (const value of long) {
    const short = shortened(value);
    out = out.split(value).join(short);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) out = out.split(escaped).join(JSON.stringify(short).slice(1, -1));
  }
  return out;
}
