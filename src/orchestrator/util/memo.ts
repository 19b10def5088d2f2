/**
 * A pure function of a string remembered for the strings it was last asked: at most `limit` of them,
 * all forgotten at once when that is reached (no order kept: the values a server meets are few, and a
 * flood of new ones costs a miss each, never memory), and none longer than `longest` characters (a
 * string a caller sent is computed, not kept). For a function called many times a call with the same
 * few values — a model's name as Ollama defines it, on a quick call's path.
 */
export function remembered<V>(
  fn: (key: string) => V,
  limit: number,
  longest: number,
): ((key: string) => V) & { readonly size: number } {
  const seen = new Map<string, V>();
  const get = (key: string): V => {
    if (key.length > longest) return fn(key);
    const had = seen.get(key);
    if (had !== undefined || seen.has(key)) return had as V;
    if (seen.size >= limit) seen.clear();
    const value = fn(key);
    seen.set(key, value);
    return value;
  };
  return Object.defineProperty(get, 'size', { get: () => seen.size }) as ((key: string) => V) & {
    readonly size: number;
  };
}
