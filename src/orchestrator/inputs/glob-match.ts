/**
 * A caller's glob matched in time linear in each path (issue 55: a client's pattern must not stall
 * the shared server). tinyglobby matches with picomatch, whose regular expressions backtrack: with
 * more than one `**`, or more than two `*` in one name, a crafted tree takes seconds to days per
 * path (two `**` around names written `*a*`, over 255-character names: 2 s a path; `*a*a*a*a*b`
 * against 200 letters "a": 40 s).
 * A glob within those bounds (glob.ts boundedGlob) is left to tinyglobby, which prunes folders as
 * it walks; any other is walked whole from its base and each path tested by picomatch's own
 * regular expression run by RE2 (globMatcher) — the same meaning, linear time. Loaded only for such
 * a glob: RE2 is some 150 KB of code.
 */
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { RE2JS, RE2JSException } from 're2js';
import { re2Syntax, Unsupported } from '../generation/re2-syntax.js';

/**
 * The glob as tinyglobby reads it (its normalizePattern, for a pattern relative to its base): a
 * trailing "/" dropped, and, unless it ends in "*", "/**" added — a folder it names stands for
 * everything in it.
 */
export function asTinyglobbyReads(glob: string): string {
  let p = glob.endsWith('/') ? glob.slice(0, -1) : glob;
  if (!p.endsWith('*')) p += '/**';
  return posix.normalize(p);
}

/**
 * Lookaheads picomatch writes that only tell apart paths no walk yields: a "." or ".." part, an
 * empty name (or one starting with a line break). RE2 runs no lookahead; left out, the pattern
 * keeps its meaning for every walked path.
 */
const DOT_PARTS = [String.raw`(?!(?:^|\/)\.{1,2}(?:\/|$))`, String.raw`(?!\.{1,2}(?:\/|$))`];
const NOT_AT_END = '(?=.)';

/**
 * picomatch's regular expression for `glob` without its lookaheads. `(?=.)` after a `**` that may
 * end the path — `(?:…|\/|$)(?=.)` — is the one that tells walked paths apart: the `$` branch can
 * never be followed by a character, so the branch goes with it, then every other `(?=.)`.
 */
function withoutLookaheads(source: string): string {
  let out = source;
  for (const snippet of DOT_PARTS) out = out.split(snippet).join('');
  return out.split(`|$)${NOT_AT_END}`).join(')').split(NOT_AT_END).join('');
}

/** A glob ollm-mcp cannot match in linear time: the words say which part and what to do instead. */
export class GlobRefused extends Error {}

/**
 * The test of a path (relative to the glob's base, "/" between parts) against `glob` as tinyglobby
 * would match it (dot files included, case-sensitive), run by RE2. Throws GlobRefused for what RE2
 * cannot run: a negated extglob (`!(…)`), which picomatch writes as a look-ahead.
 */
export function globMatcher(glob: string): (relPath: string) => boolean {
  const source = withoutLookaheads(picomatch.makeRe(asTinyglobbyReads(glob), { dot: true, posix: true }).source);
  let re: RE2JS;
  try {
    re = RE2JS.compile(re2Syntax(source));
  } catch (err) {
    const what =
      err instanceof Unsupported
        ? 'a negated part ("!(…)" or a leading "!")'
        : err instanceof RE2JSException
          ? `what RE2 cannot run (${err.message})`
          : undefined;
    if (what === undefined) throw err;
    throw new GlobRefused(
      `uses ${what}, which ollm-mcp does not match: globs that picomatch would match slowly are ` +
        `matched in time linear in each path (by RE2), so that no pattern can stall the server — ` +
        `write the pattern without it, or name the files.`,
    );
  }
  return (relPath) => re.test(relPath);
}
