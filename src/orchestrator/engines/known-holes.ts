/**
 * Engine versions with known holes (public advisories), as one table, and what a version has of them — pure
 * data and pure functions, read by doctor and show_status (docs/engine-versions.md lists the table).
 *
 * A version is as the engine says it: Ollama's `GET /api/version` (`0.34.2`, `0.35.0-rc1`), llama-server's
 * `GET /props` `build_info` (`b9100-1a2b3c4`: the build number is the commit count of the checkout it was
 * built from, llama.cpp cmake/build-info.cmake), vLLM's `GET /version`. A range is `from` (inclusive) to
 * `before` (exclusive: the version that fixed it) or `through` (inclusive: the last one affected, no fix
 * named). To add a hole, add a row; the tests in test/unit/known-holes.test.ts show how ranges are read.
 */

export type HoleEngine = 'ollama' | 'llamacpp' | 'vllm';

export interface KnownHole {
  engine: HoleEngine;
  /** The advisory's id (a CVE). */
  id: string;
  /** What it allows, in a few words. */
  what: string;
  /** The first version affected, when the advisory names one (else every earlier version). */
  from?: string;
  /** The version that fixed it: every version below it (from `from`) is affected. */
  before?: string;
  /** The last version affected, when the advisory names no fix. */
  through?: string;
}

export const KNOWN_HOLES: readonly KnownHole[] = [
  {
    engine: 'ollama',
    id: 'CVE-2025-63389',
    what: 'API without authentication: anyone who reaches it runs, pulls and deletes models',
    through: '0.12.3',
  },
  {
    engine: 'ollama',
    id: 'CVE-2026-7482',
    what: "out-of-bounds read in /api/create that can leak other users' conversations",
    before: '0.17.1',
  },
  { engine: 'ollama', id: 'CVE-2026-5530', what: 'server-side request forgery through a pull', through: '0.18.1' },
  {
    engine: 'ollama',
    id: 'CVE-2026-103663',
    what: 'path traversal in /api/pull → code execution',
    from: '0.34.2',
    before: '0.35.0',
  },
  {
    engine: 'llamacpp',
    id: 'CVE-2026-43631',
    what: 'use-after-free with --sleep-idle-seconds',
    from: 'b7492',
    through: 'b9060',
  },
  {
    engine: 'llamacpp',
    id: 'CVE-2026-43629',
    what: "heap overflow restoring a slot's saved state",
    from: 'b4882',
    through: 'b9058',
  },
  { engine: 'llamacpp', id: 'CVE-2026-107183', what: 'use-after-free through the chat parser', before: 'b11393' },
  { engine: 'llamacpp', id: 'CVE-2026-134540', what: 'grammar_triggers not validated', before: 'b12405' },
  {
    engine: 'vllm',
    id: 'CVE-2026-105756',
    what: "cache_salt not validated: one request's prefix cache can serve another's",
    before: '0.30.0',
  },
];

/** How each engine is named with its version ("Ollama 0.34.2", "llama.cpp b9100"). */
const ENGINE_NAMES: Record<HoleEngine, string> = { ollama: 'Ollama', llamacpp: 'llama.cpp', vllm: 'vLLM' };

/**
 * Below this, a llama.cpp build number is no release's: it counts the commits of a shallow clone or a copy
 * without history (b1, b0), which says nothing of the code in it (releases were numbered past b1000 by 2023).
 */
const FIRST_RELEASE_BUILD = 1000;

/** The longest version text read (an engine's answer is bounded where it enters; this bounds it here too). */
const MAX_VERSION_CHARS = 64;

/** A version as compared: numbers, then a pre-release (which sorts before the release itself) or none. */
interface Parsed {
  nums: number[];
  pre?: string;
}

/**
 * `0.34.2`, `v0.35.0-rc1`, `0.30.0+cu121`, `0.6.3.post1` (a post-release counts as the release), `0.7.0.dev5`
 * (a pre-release); undefined for anything else.
 */
function parseSemver(v: string): Parsed | undefined {
  const m =
    /^v?(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?(?:(?:-|\.?(?=rc|dev|a\d|b\d))([0-9A-Za-z.]{1,32}))?(?:\.post\d{1,6})?(?:\+[0-9A-Za-z.]{0,40})?$/.exec(
      v,
    );
  if (!m) return undefined;
  return { nums: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)], ...(m[4] !== undefined && { pre: m[4] }) };
}

/** `b9100-1a2b3c4` (llama-server's build_info) or `b9100`; undefined for another shape or a build number below releases'. */
function parseBuild(v: string): Parsed | undefined {
  const m = /^b(\d{1,7})(?:-[0-9A-Za-z._-]{0,40})?$/.exec(v);
  if (!m || Number(m[1]) < FIRST_RELEASE_BUILD) return undefined;
  return { nums: [Number(m[1])] };
}

function parse(engine: HoleEngine, version: string): Parsed | undefined {
  const v = version.trim();
  if (v.length === 0 || v.length > MAX_VERSION_CHARS) return undefined;
  return engine === 'llamacpp' ? parseBuild(v) : parseSemver(v);
}

/** Pre-release parts compared as semver does: numbers as numbers and below words, words by their characters. */
function comparePre(a: string, b: string): number {
  const as = a.split('.');
  const bs = b.split('.');
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const x = as[i];
    const y = bs[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const nx = /^\d+$/.test(x) ? Number(x) : undefined;
    const ny = /^\d+$/.test(y) ? Number(y) : undefined;
    if (nx !== undefined && ny !== undefined) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (nx !== undefined || ny !== undefined) return nx !== undefined ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function compare(a: Parsed, b: Parsed): number {
  for (let i = 0; i < Math.max(a.nums.length, b.nums.length); i++) {
    const d = (a.nums[i] ?? 0) - (b.nums[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (a.pre === undefined || b.pre === undefined) return a.pre === b.pre ? 0 : a.pre === undefined ? 1 : -1;
  return comparePre(a.pre, b.pre);
}

/** Whether `v` is in the hole's range (a bound the table cannot parse never matches: checked by the unit test). */
function affects(engine: HoleEngine, hole: KnownHole, v: Parsed): boolean {
  const bound = (s: string | undefined) => (s === undefined ? undefined : parse(engine, s));
  const from = bound(hole.from);
  const before = bound(hole.before);
  const through = bound(hole.through);
  if (hole.from !== undefined && (!from || compare(v, from) < 0)) return false;
  if (hole.before !== undefined) return before !== undefined && compare(v, before) < 0;
  if (hole.through !== undefined) return through !== undefined && compare(v, through) <= 0;
  return false;
}

/** The known holes of `engine` at `version` as the engine says it; none for a version that cannot be read. */
export function holesOf(engine: HoleEngine, version: string | undefined): KnownHole[] {
  const v = version === undefined ? undefined : parse(engine, version);
  if (!v) return [];
  return KNOWN_HOLES.filter((h) => h.engine === engine && affects(engine, h, v));
}

/** What an engine's version says, as doctor and show_status show it. */
export interface VersionVerdict {
  /** "Ollama 0.34.2", "llama.cpp b9100", "llama.cpp (version unknown)". */
  name: string;
  holes: KnownHole[];
  /** "upgrade to 0.35.0 or newer" (the highest fix among the holes that apply), when there are holes. */
  fix?: string;
}

/** The version as shown: `0.34.2`, or `b9100` for a llama.cpp build (the commit hash left off). */
function shown(engine: HoleEngine, version: string): string {
  const v = version.trim();
  return engine === 'llamacpp' ? v.replace(/-.*$/, '') : v;
}

/**
 * The release to upgrade to: at or past every hole's fix (`before`) and past every `through` — "upgrade to X or
 * newer" when the highest fix is past every `through`, else "upgrade to a release newer than T".
 */
function fixOf(engine: HoleEngine, holes: readonly KnownHole[]): string | undefined {
  const highest = (key: 'before' | 'through') =>
    holes
      .map((h) => h[key])
      .filter((s): s is string => s !== undefined)
      .sort((a, b) => compare(parse(engine, a)!, parse(engine, b)!))
      .at(-1);
  const before = highest('before');
  const through = highest('through');
  if (before && (!through || compare(parse(engine, before)!, parse(engine, through)!) > 0))
    return `upgrade to ${before} or newer`;
  return through ? `upgrade to a release newer than ${through}` : undefined;
}

/** The engine's name and version, its known holes and the release that fixes them all. */
export function versionVerdict(engine: HoleEngine, version: string | undefined): VersionVerdict {
  const readable = version !== undefined && parse(engine, version) !== undefined;
  const name = `${ENGINE_NAMES[engine]} ${readable ? shown(engine, version) : '(version unknown)'}`;
  const holes = holesOf(engine, version);
  const fix = fixOf(engine, holes);
  return { name, holes, ...(fix && { fix }) };
}

/** "Ollama 0.34.2 has known hole: CVE-2026-103663 (path traversal in /api/pull → code execution)", or undefined. */
export function holesText(v: VersionVerdict): string | undefined {
  if (!v.holes.length) return undefined;
  const each = v.holes.map((h) => `${h.id} (${h.what})`).join('; ');
  return `${v.name} has known hole${v.holes.length === 1 ? '' : 's'}: ${each}`;
}
