/**
 * A CommonJS package loaded with import(): bundled, its exports arrive only as `default`;
 * under plain Node they arrive both ways. This returns the exports either way.
 */
export function cjsExports<T extends object>(mod: T): T {
  return (mod as unknown as { default?: T }).default ?? mod;
}
