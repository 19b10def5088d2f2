/**
 * JSON with every object's keys sorted: the same value gives the same text, whatever order its
 * keys were made in (settings as read, a call's arguments as sent, items compared by value).
 * Keys holding undefined are left out, as JSON.stringify leaves them; a value JSON has no text
 * for is `null`.
 */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    // sort() without a comparator orders by UTF-16 code units, as `<` does
    const keys = Object.keys(object)
      .filter((k) => object[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
