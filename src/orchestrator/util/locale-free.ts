/**
 * Ordering and number formatting without Intl. The first use of localeCompare, toLocaleString or
 * Intl makes Node load ICU's data: 3 to 8 MB more resident memory, for the whole life of a server
 * that only sorts names and prints numbers; and the order would follow the machine's locale.
 * These give everyone the same result (test/unit/locale-free.test.ts keeps Intl out of the server).
 */

/** For sort(): strings in code-unit order, the same on every machine. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 1234567.891 -> "1,234,567.89" with fractionDigits 2; "1,234,568" with none. */
export function grouped(n: number, fractionDigits = 0): string {
  const [whole = '0', fraction] = Math.abs(n).toFixed(fractionDigits).split('.');
  const groups: string[] = [];
  for (let end = whole.length; end > 0; end -= 3) groups.unshift(whole.slice(Math.max(0, end - 3), end));
  return `${n < 0 ? '-' : ''}${groups.join(',')}${fraction ? `.${fraction}` : ''}`;
}
