/**
 * Which files of a folder a call enters from outside it (issue 74: "a call with inputs enters no file
 * of route/ twice"): each exported function of a mocked module is wrapped, and a call is counted
 * as an entry of its file when the frame that called it is in no file of the folder — a call from
 * one of the folder's own files is the plan going on inside, not the call entering it again.
 */
const counted = new Map<string, number>();

/** Where the function that called the wrapper is: the third frame (this helper, the wrapper, its caller). */
function callerFile(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const frame = stack.split('\n')[3] ?? '';
  return /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(frame)?.[1] ?? '';
}

/**
 * `module`'s exported functions counted as entries of `file` (its name in the folder) when called from
 * outside `folder`.
 */
export function counting<M extends Record<string, unknown>>(folder: string, file: string, module: M): M {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(module)) {
    if (typeof value !== 'function' || /^[A-Z]/.test(name)) {
      out[name] = value; // classes and values as they are
      continue;
    }
    const fn = value as (...a: unknown[]) => unknown;
    out[name] = function (this: unknown, ...args: unknown[]) {
      const from = callerFile();
      if (!from.includes(folder)) counted.set(file, (counted.get(file) ?? 0) + 1);
      return fn.apply(this, args);
    };
  }
  return out as M;
}

/** The entries counted since the last call, by file; the count starts again. */
export function entries(): Record<string, number> {
  const out = Object.fromEntries([...counted].sort(([a], [b]) => a.localeCompare(b)));
  counted.clear();
  return out;
}
