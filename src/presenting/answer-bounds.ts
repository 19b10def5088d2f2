/**
 * Every answer bounded: a list that can grow without limit (remembered entries, models, templates,
 * days of savings) is cut to what fits, long values in it are shortened, and the answer says what
 * was cut and how to see the rest. One helper for tools and resources alike, so each says it the
 * same way.
 */
import * as z from 'zod';

/**
 * The most characters a tool's text may hold, and apart from it its structuredContent (as JSON):
 * about 8,000 tokens, read by the calling model whenever it calls.
 */
export const MAX_ANSWER_CHARS = 32_000;
/** The most characters of a resource's JSON: read when a host or the user asks, not every turn. */
export const MAX_RESOURCE_CHARS = 128_000;
/**
 * The most characters of one value in a list (a remembered value, a template's text): the default
 * memory.maxValueChars, so values remembered under the default settings are shown whole.
 */
export const MAX_LISTED_VALUE_CHARS = 4_000;
/** Kept for the parts of an answer around its list: the header, the note on what was cut. */
const FRAME_CHARS = 2_000;

/** `text` itself up to `max` characters; else its first characters (never half a surrogate pair) and "…". */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** The characters `value` takes as JSON. */
export function jsonChars(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

/** The characters `value` takes in a resource's JSON (indented by two spaces, a few levels down). */
export function indentedChars(value: unknown): number {
  return JSON.stringify(value, null, 2).replaceAll('\n', '\n      ').length;
}

export interface Fitted<T> {
  kept: T[];
  /** How many items after `kept` were left out. */
  leftOut: number;
}

/**
 * The first items, in order, whose sizes add up to at most `maxChars` less room for the frame
 * around them; the rest are left out (counted), never reordered or skipped to fit a later one.
 */
export function fitList<T>(items: readonly T[], maxChars: number, size: (item: T) => number = jsonChars): Fitted<T> {
  const budget = maxChars - FRAME_CHARS;
  let used = 0;
  let n = 0;
  for (; n < items.length; n++) {
    used += size(items[n]!);
    if (used > budget) break;
  }
  return { kept: items.slice(0, n), leftOut: items.length - n };
}

/** Each item with its string `field` shortened to `max` characters (a shortened item is a new object). */
export function cutField<T>(items: readonly T[], field: keyof T, max: number): T[] {
  return items.map((item) => {
    const value = item[field];
    return typeof value === 'string' && value.length > max ? { ...item, [field]: cutText(value, max) } : item;
  });
}

/** What was cut from a list, for an answer's structured part. */
export interface CutReport {
  /** Items left out at the end of the list. */
  leftOut: number;
  /** Items shown with a long value shortened. */
  shortened: number;
  /** The sentence saying so and how to see the rest. */
  note: string;
}

function plural(n: number, [one, many]: readonly [string, string]): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The report on what was cut, or undefined when nothing was. `noun` names one item and several
 * ("entry", "entries"); `value` names what was shortened in an item; `rest` says how to see all.
 */
export function cutReport(o: {
  leftOut: number;
  shortened?: number;
  noun: readonly [string, string];
  value?: string;
  maxValueChars?: number;
  rest: string;
}): CutReport | undefined {
  const shortened = o.shortened ?? 0;
  if (o.leftOut === 0 && shortened === 0) return undefined;
  const parts = [
    ...(o.leftOut > 0 ? [`${plural(o.leftOut, o.noun)} left out`] : []),
    ...(shortened > 0
      ? [
          `${plural(shortened, o.noun)} shown with the ${o.value ?? 'value'} cut at ` +
            `${o.maxValueChars ?? MAX_LISTED_VALUE_CHARS} characters`,
        ]
      : []),
  ];
  return { leftOut: o.leftOut, shortened, note: `To keep this answer short, ${parts.join(' and ')}: ${o.rest}` };
}

/** The structured form of a CutReport, for output schemas. */
export const cutSchema = z
  .object({ leftOut: z.number(), shortened: z.number(), note: z.string() })
  .describe(
    'set when the answer was cut to stay short: items left out at the end, items shown ' +
      'shortened, and how to see the rest',
  );

export interface ListBounds<T> {
  /** The most characters the list may take (MAX_ANSWER_CHARS or MAX_RESOURCE_CHARS). */
  maxChars: number;
  /** What one item takes (default: its JSON). */
  size?: (item: T) => number;
  /** A string field shortened to MAX_LISTED_VALUE_CHARS in each item first, and what to call it in the note. */
  shorten?: { field: keyof T; name: string };
  /** One item and several, for the note: ["entry", "entries"]. */
  noun: readonly [string, string];
  /** How to see what was cut. */
  rest: string;
}

/** The items that fit, long values shortened, and the report on what was cut (undefined when nothing was). */
export function boundList<T>(items: readonly T[], o: ListBounds<T>): { kept: T[]; cut?: CutReport } {
  const short = o.shorten ? cutField(items, o.shorten.field, MAX_LISTED_VALUE_CHARS) : items;
  const { kept, leftOut } = fitList(short, o.maxChars, o.size);
  const shortened = kept.filter((item, i) => item !== items[i]).length;
  const cut = cutReport({
    leftOut,
    shortened,
    noun: o.noun,
    ...(o.shorten && { value: o.shorten.name }),
    rest: o.rest,
  });
  return { kept, ...(cut && { cut }) };
}
