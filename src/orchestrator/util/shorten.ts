/**
 * User-supplied names and values in messages. A model, template or key name is echoed whole up to
 * 100 characters; a longer one shows its first 50 and last 30 and its length, so a megabyte-long name
 * cannot turn an error message into a megabyte, and a long path still names its file.
 */

const WHOLE_UP_TO = 100;
const HEAD = 50;
const TAIL = 30;

/** `value` itself when short; otherwise its first 50 characters, "…", its last 30 and how long it is. */
export function shortened(value: string): string {
  if (value.length <= WHOLE_UP_TO) return value;
  return `${ends(value)} (${value.length} characters)`;
}

/** `value` in double quotes (JSON escapes) when short; otherwise its quoted ends and its length. */
export function quoted(value: string): string {
  if (value.length <= WHOLE_UP_TO) return JSON.stringify(value);
  return `${JSON.stringify(ends(value))} (${value.length} characters)`;
}

/** The first and last characters around "…", never cutting a surrogate pair in half. */
function ends(value: string): string {
  const head = /[\uD800-\uDBFF]/.test(value.charAt(HEAD - 1)) ? HEAD - 1 : HEAD;
  const tail = /[\uDC00-\uDFFF]/.test(value.charAt(value.length - TAIL)) ? TAIL - 1 : TAIL;
  return `${value.slice(0, head)}…${value.slice(value.length - tail)}`;
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
