/**
 * The shape of a tool's arguments, checked before anything else reads them (define.ts): how deep
 * objects and lists nest, how many values there are, and how many characters they hold. No tool's
 * arguments nest more than three levels or hold more than a few hundred values, so the bounds are
 * far above any real call and far below what would hurt: the walk keeps its own stack (never
 * recursion) and stops at the first bound passed, so an argument nested 10,000 deep costs 33 steps
 * and nothing after it (zod, the savings ledger's JSON.stringify, error texts) meets it.
 */
import { MAX_MESSAGE_BYTES } from '../presenting/message-limit.js';
import { shortened } from '../orchestrator/util/shorten.js';

/** The most keys or list places from the arguments object down to any value. */
export const MAX_ARG_DEPTH = 32;
/** The most values (objects, lists and plain values alike) in one call's arguments. */
export const MAX_ARG_VALUES = 10_000;
/**
 * The most characters of strings and keys in one call's arguments: the transport's limit for a
 * whole message (limits.ts). Every string character takes at least one byte of the message, so
 * arguments a transport delivered never pass it; it bounds arguments that reach a tool any other way.
 */
export const MAX_ARG_CHARS = MAX_MESSAGE_BYTES;

/**
 * The deepest a whole JSON-RPC message may nest: the arguments' bound and room for the envelope
 * around them (params, arguments, _meta).
 */
export const MAX_MESSAGE_DEPTH = MAX_ARG_DEPTH + 8;

/** The keys shown of a path too deep; the rest is "…". */
const PATH_SHOWN = 5;

interface Place {
  value: unknown;
  key: string | number;
  parent: Place | undefined;
  depth: number;
}

/** The path to a place as invalid-args.ts writes it: `extra.a[2].b`. */
function pathOf(place: Place, limit = Infinity): string {
  const keys: Array<string | number> = [];
  for (let p: Place | undefined = place; p?.parent; p = p.parent) keys.push(p.key);
  keys.reverse();
  let out = '';
  for (const key of keys.slice(0, limit))
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${shortened(key)}`;
  return keys.length > limit ? `${out}…` : out;
}

/** What passing the character bound says; `where` is the path at which the count passed it. */
function tooManyChars(where: string): string {
  return (
    `the arguments hold more than ${MAX_ARG_CHARS / 2 ** 20} MiB of text (the count passed it ` +
    `at "${where}") — send less, or name files by path instead of pasting them`
  );
}

/**
 * What is wrong with the arguments' shape, as the part of an "Invalid arguments" message after the
 * tool's name; undefined when they are within every bound. Only objects and lists are entered.
 */
export function argumentsProblem(args: unknown): string | undefined {
  const stack: Place[] = [{ value: args, key: '', parent: undefined, depth: 0 }];
  let values = 0;
  let chars = 0;
  while (stack.length > 0) {
    const place = stack.pop()!;
    const { value } = place;
    const where = () => pathOf(place, PATH_SHOWN) || 'the top';
    values++;
    if (typeof value === 'string' && (chars += value.length) > MAX_ARG_CHARS) return tooManyChars(where());
    if (typeof value !== 'object' || value === null) continue;
    const size = Array.isArray(value) ? value.length : Object.keys(value).length;
    if (size === 0) continue;
    if (place.depth >= MAX_ARG_DEPTH) {
      const [key, child] = Array.isArray(value) ? [0, value[0]] : Object.entries(value)[0]!;
      return (
        `"${pathOf({ value: child, key, parent: place, depth: place.depth + 1 }, PATH_SHOWN)}" is ` +
        `nested deeper than ${MAX_ARG_DEPTH} levels — no argument nests that deep: send plain values`
      );
    }
    // every value is counted once it is known (walked or waiting on the stack), before a list is entered
    if (values + stack.length + size > MAX_ARG_VALUES)
      return (
        `the arguments hold more than ${MAX_ARG_VALUES} values (the count passed it at ` +
        `"${where()}", which holds ${size}) — send fewer`
      );
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    // pushed last to first, so the walk (and the place it names) follows the order written
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (typeof key === 'string' && (chars += key.length) > MAX_ARG_CHARS) return tooManyChars(where());
      stack.push({ value: child, key, parent: place, depth: place.depth + 1 });
    }
  }
  return undefined;
}

/** The whole text of a tool's answer to arguments out of bounds; undefined when they are within them. */
export function invalidShape(tool: string, args: unknown): string | undefined {
  const problem = argumentsProblem(args);
  return problem === undefined ? undefined : `Invalid arguments for ${shortened(tool)}: ${problem}.`;
}

/** Whether objects and lists in `value` nest more than `max` levels (an explicit stack; it stops at the bound). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The answer to a message the HTTP entry must not hand on — the SDK's Node adapter serialises the
 * parsed message again, with a recursive JSON.stringify that runs out of stack on deep nesting —
 * or undefined for any message within MAX_MESSAGE_DEPTH. A tools/call is answered as the tool
 * would answer it over stdio (define.ts); any other request gets JSON-RPC "Invalid params"; a
 * notification, nothing.
 */
export function tooDeepAnswer(
  message: unknown,
): { id: string | number; answer: Record<string, unknown> } | 'notification' | undefined {
  if (!nestsDeeperThan(message, MAX_MESSAGE_DEPTH)) return undefined;
  const m = (typeof message === 'object' && message !== null ? message : {}) as {
    id?: unknown;
    method?: unknown;
    params?: { name?: unknown; arguments?: unknown };
  };
  if (typeof m.id !== 'string' && typeof m.id !== 'number') return 'notification';
  const tool = m.method === 'tools/call' && typeof m.params?.name === 'string' ? m.params.name : undefined;
  const text = tool === undefined ? undefined : invalidShape(tool, m.params?.arguments ?? {});
  if (text !== undefined) return { id: m.id, answer: { result: { content: [{ type: 'text', text }], isError: true } } };
  return {
    id: m.id,
    answer: {
      error: {
        code: -32602,
        message: `Invalid params: the message nests deeper than ${MAX_MESSAGE_DEPTH} levels, which no MCP request does.`,
      },
    },
  };
}
