/**
 * Finding the project a folder belongs to: the walk up from it to the first folder with a marker
 * file or a project file (project.ts reads what it finds). Apart, and free of any schema, so a
 * forwarding launch can tell whether its project is the one it found last time (server/shared/memo.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { DOC_EXTENSIONS, MARKERS, type BuiltinName } from './project-builtin.js';

/** Where the project file lives, relative to the project root. */
export const PROJECT_FILE = join('.ollm', 'project.yaml');

export interface WalkOptions {
  /** The walk never looks at this folder or above it (default: the user's home directory). */
  home?: string;
}

export interface Scan {
  detection?: { profile: BuiltinName; marker: string };
  file?: string;
  git: boolean;
}

/** What one folder says about itself; an unreadable folder says nothing. */
async function scan(dir: string, withFile: boolean): Promise<Scan> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const out: Scan = { git: byName.has('.git') };
  const marker = MARKERS.find((m) => {
    const e = byName.get(m.file);
    return e !== undefined && !e.isDirectory();
  });
  if (marker) {
    out.detection = { profile: marker.profile, marker: marker.file };
  } else {
    const files = entries.filter((e) => e.isFile());
    const prose = files.filter((e) => DOC_EXTENSIONS.includes(extname(e.name).toLowerCase())).length;
    if (prose >= 3 && prose * 2 > files.length) out.detection = { profile: 'documentation', marker: '*.md' };
  }
  const ollm = byName.get('.ollm');
  if (withFile && ollm && (ollm.isDirectory() || ollm.isSymbolicLink())) {
    const file = join(dir, PROJECT_FILE);
    // anything there but a folder is the project file: a FIFO or a device is refused when read, not passed over
    if (
      await stat(file).then(
        (s) => !s.isDirectory(),
        () => false,
      )
    )
      out.file = file;
  }
  return out;
}

/** Walks up from `start` to the first folder with a marker (or a project file); stops at `.git`, home, or the root. */
export async function walk(
  start: string,
  withFile: boolean,
  options: WalkOptions,
): Promise<(Scan & { root: string }) | undefined> {
  const home = resolve(options.home ?? homedir());
  let dir = resolve(start);
  for (;;) {
    const s = await scan(dir, withFile);
    if (s.detection || s.file) return { ...s, root: dir };
    const parent = dirname(dir);
    // The home folder itself is never a project: a stray package.json there must not claim every folder below.
    if (s.git || parent === dir || dir === home || parent === home) return undefined;
    dir = parent;
  }
}
