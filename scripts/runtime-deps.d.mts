// Types of runtime-deps.mjs, for the tests that import it.
export declare const LIBSQL_TARGETS: string[];
export interface InstalledPackage {
  name: string;
  version: string;
  /** Its folder. */
  dir: string;
  /** Its place relative to the checkout, with forward slashes, e.g. node_modules/libsql/node_modules/detect-libc. */
  rel: string;
}
export declare function cacheDir(root: string): string;
export declare function productionPackages(root: string, options?: { optional?: boolean }): InstalledPackage[];
export declare function copyPackage(dir: string, dest: string): void;
export declare function registryPackages(
  root: string,
  names: string[],
  version: string,
): Array<{ name: string; version: string; dir: string }>;
export declare function libsqlBinaries(root: string): Array<{ name: string; version: string; dir: string }>;
