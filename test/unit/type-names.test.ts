/**
 * One name per type (issue 74, Deliver 2): an exported type or interface is declared under a name
 * no other file of src/ exports, so a reader who meets the name knows which type it is — where
 * there were two `RouteRequest`, two `LoadRequest`, two `Planned` and two `Fleet`. The names still
 * exported twice when this test came are listed (KNOWN): the list only shrinks — a new pair fails,
 * and a pair renamed since must leave the list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Exported twice before this test, each in files other helpers own: all renamed since; never added to. */
const KNOWN: readonly string[] = [];

/** The names that one type each must have in src/, exported or not. */
const ONCE = ['RouteRequest', 'LoadRequest', 'Planned', 'Fleet'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every type and interface declared at a line's start in src/: its name, file and whether it is exported. */
function declarations(): Array<{ name: string; file: string; exported: boolean }> {
  const found: Array<{ name: string; file: string; exported: boolean }> = [];
  const re = /^(export\s+)?(?:declare\s+)?(?:interface|type)\s+([A-Za-z_$][\w$]*)/gm;
  for (const path of sources(SRC)) {
    for (const m of readFileSync(path, 'utf8').matchAll(re)) {
      found.push({ name: m[2]!, file: relative(SRC, path), exported: m[1] !== undefined });
    }
  }
  return found;
}

/** The names declared more than once among `decls`, each with its files. */
function twice(decls: ReadonlyArray<{ name: string; file: string }>): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const d of decls) files.set(d.name, [...(files.get(d.name) ?? []), d.file]);
  return new Map([...files].filter(([, f]) => f.length > 1));
}

describe('one name per type in src/', () => {
  const decls = declarations();

  it('finds the declarations it scans', () => {
    expect(decls.filter((d) => d.exported).length).toBeGreaterThan(200);
    const routeTypes = join('orchestrator', 'generation', 'route-types.ts');
    expect(decls.some((d) => d.name === 'RouteRequest' && d.file === routeTypes)).toBe(true);
  });

  it('no exported type or interface name is declared in two files (but those known, which only leave)', () => {
    const dup = twice(decls.filter((d) => d.exported));
    const fresh = [...dup].filter(([name]) => !KNOWN.includes(name)).map(([name, f]) => `${name}: ${f.join(', ')}`);
    expect(fresh, 'exported twice: rename one').toEqual([]);
    expect(
      KNOWN.filter((name) => !dup.has(name)),
      'no longer exported twice: drop it from KNOWN',
    ).toEqual([]);
  });

  it('RouteRequest, LoadRequest, Planned and Fleet each name one type, exported or not', () => {
    const dup = twice(decls.filter((d) => ONCE.includes(d.name)));
    expect([...dup].map(([name, files]) => `${name}: ${files.join(', ')}`)).toEqual([]);
  });
});
