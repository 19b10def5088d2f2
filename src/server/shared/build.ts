/**
 * Which build this process runs: the build records `build.json` beside the bundle
 * (scripts/build.mjs: a hash of every file it emitted, and when it was made), so a rebuilt
 * checkout — `git pull && npm ci`, same version — gets a shared server of its own rather than
 * joining the old code's (place.ts names the socket by it; hello.ts checks it). Run from source
 * (tsx, the tests' own processes) there is none: the build is "source". Read once, a few bytes.
 * Checked by hand, not with zod: a forwarding launch reads it and loads no schema (memo.ts).
 */
import { VERSION } from '../version.js';
import { recordBeside } from './beside.js';

export interface Build {
  /** 12 hex digits naming the emitted code, or "source". */
  id: string;
  /** When it was built (ms since 1970); 0 from source. Of two builds, the later is the newer. */
  at: number;
}

export const SOURCE: Build = { id: 'source', at: 0 };

/** A build's id as hellos and answers carry it (hello.ts): 12 hex digits, or "source". */
export const BUILD_ID = /^(?:[0-9a-f]{12}|source)$/;

/**
 * The build recorded in `file` (default: build.json beside the bundle this process runs); SOURCE when there
 * is none or it is not one.
 */
export function readBuild(file?: string): Build {
  const json = recordBeside('build.json', file)?.json; // none, or not JSON: run from source
  if (typeof json !== 'object' || json === null) return SOURCE;
  const { ollm, id, at } = json as Record<string, unknown>;
  const valid =
    ollm === 'build' &&
    typeof id === 'string' &&
    /^[0-9a-f]{12}$/.test(id) &&
    Number.isSafeInteger(at) &&
    (at as number) >= 0;
  return valid ? { id, at: at as number } : SOURCE;
}

let mine: Build | undefined;

/** This process's build, read at its first use. */
export function thisBuild(): Build {
  return (mine ??= readBuild());
}

/** This process's version and build, as the shared server's place is named by them: "0.1.0-3f2a9c1d0b7e". */
export const release = (): string => `${VERSION}-${thisBuild().id}`;
