/**
 * The one rule of "blank" (issue 80, finding 8), for a prompt, a template and a template's value: text is
 * blank when no character of it shows. White space (a space, NBSP, U+3000) shows nothing, nor does a
 * control (Cc: NUL), a format character (Cf: U+200B ZERO WIDTH SPACE, U+00AD SOFT HYPHEN, U+2060 WORD
 * JOINER), any other default-ignorable code point (a variation selector, a tag) — nor U+2800 BRAILLE
 * PATTERN BLANK and the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, letters and symbols that render
 * as nothing (the fillers are default-ignorable too: named, whatever Unicode version V8 holds).
 */
const SHOWS = /[^\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u115F\u1160\u3164\uFFA0]/u;

/** Whether `text` holds a character that shows: a letter, a digit, a mark, an emoji, a CJK character. */
export function hasVisible(text: string): boolean {
  return SHOWS.test(text);
}
