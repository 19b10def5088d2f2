/**
 * Reading the templates folder without leaving it: each entry is resolved to its real path and
 * read only when that path is inside the folder, so a link cannot make a message (or a prompt)
 * out of another file. A file is parsed again only when it changed.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import { parseYaml } from '../util/yaml.js';
import { TemplateError, templateNameProblem, validateTemplate, type TemplateDef } from './definition.js';

export const EXTENSION = /\.ya?ml$/i;
const MAX_FILE_BYTES = 200_000;
const RACY_MS = 2_000;
// Opening never follows a link, and never waits on a pipe that took a file's place.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export type Loaded = { file: string; template: TemplateDef } | { file: string; problem: string } | undefined;

export const OUTSIDE = 'is a link to outside the templates folder; not followed (copy the file into the folder instead)';

export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether `path` (a real path) is inside the folder whose real path is `root`. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The folder's real path, or undefined when it does not exist. */
export async function realFolder(dir: string): Promise<string | undefined> {
  try {
    return await realpath(dir);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export class TemplateFolder {
  /** Parsed files by base name, reused while the file is unchanged. */
  private readonly cache = new Map<string, { key: string; loaded: Loaded }>();

  constructor(readonly dir: string) {}

  /** Every template file of the folder, loaded or with its problem; a folder that cannot be read adds to `problems`. */
  async read(problems: Array<{ file: string; message: string }>): Promise<Loaded[]> {
    let root: string | undefined;
    let names: string[];
    try {
      root = await realFolder(this.dir);
      if (root === undefined) return [];
      const entries = await readdir(root, { withFileTypes: true });
      names = entries.filter((e) => !e.name.startsWith('.') && EXTENSION.test(e.name) && (e.isFile() || e.isSymbolicLink())).map((e) => e.name);
    } catch (err) {
      const why = errno(err) === 'ENOTDIR' ? 'is not a folder' : `cannot be read: ${(err as Error).message}`;
      problems.push({ file: basename(this.dir), message: `the templates folder ${this.dir} ${why}` });
      return [];
    }
    const folder = root;
    const loaded = await Promise.all(names.sort().map((file) => this.readOne(folder, file)));
    const present = new Set(names);
    for (const file of this.cache.keys()) if (!present.has(file)) this.cache.delete(file);
    return loaded;
  }

  private async readOne(root: string, file: string): Promise<Loaded> {
    const badName = templateNameProblem(file.replace(EXTENSION, ''));
    if (badName) return { file, problem: `the file name cannot name a template (${badName}); rename the file` };
    let real: string;
    try {
      real = await realpath(join(root, file));
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOENT') return { file, problem: 'is a broken link' };
      if (code === 'ELOOP') return { file, problem: 'is a link that leads back to itself' };
      return { file, problem: `cannot be read: ${(err as Error).message}` };
    }
    if (!isInside(root, real)) return { file, problem: OUTSIDE };
    try {
      // lstat first: a pipe or a folder is never opened
      if (!(await lstat(real)).isFile()) return undefined;
      return await this.load(file, real);
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined; // removed while read
      if (errno(err) === 'ELOOP') return { file, problem: OUTSIDE }; // became a link while read
      return { file, problem: `cannot be read: ${(err as Error).message}` };
    }
  }

  /** Reads the file through one handle; it is parsed again only when its identity, size or times change (stat is far cheaper than YAML). */
  private async load(file: string, real: string): Promise<Loaded> {
    const handle = await open(real, OPEN_FLAGS);
    try {
      const st = await handle.stat();
      if (!st.isFile()) return undefined;
      if (st.size > MAX_FILE_BYTES) return { file, problem: `is larger than ${MAX_FILE_BYTES / 1000} kB` };
      const key = `${real}:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const cached = this.cache.get(file);
      // A file changed within the clock's granularity may look unchanged: trust the cache only for older files.
      if (cached?.key === key && Date.now() - st.mtimeMs > RACY_MS) return cached.loaded;
      const loaded = await parseTemplateFile(file, await handle.readFile('utf8'));
      this.cache.set(file, { key, loaded });
      return loaded;
    } finally {
      await handle.close();
    }
  }
}

/** A file's template, or why it is not one; a message names fields and positions, never other text of the file. */
export async function parseTemplateFile(file: string, text: string): Promise<Loaded> {
  const parsed = await parseYaml(text);
  if (!parsed.ok) return { file, problem: `is not valid YAML: ${parsed.message}` };
  const data = parsed.data;
  if (data === null || data === undefined) return { file, problem: 'is empty; a template file holds name, description and template' };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { file, problem: `must hold a mapping with name, description and template, not ${Array.isArray(data) ? 'a list' : typeof data}` };
  }
  let template: TemplateDef;
  try {
    template = validateTemplate(data);
  } catch (err) {
    if (err instanceof TemplateError) return { file, problem: err.message };
    return { file, problem: `could not be checked (${err instanceof Error ? err.name : 'unexpected error'})` };
  }
  const base = file.replace(EXTENSION, '');
  if (template.name !== base) {
    return { file, problem: `name "${template.name}" does not match the file name; rename the file to ${template.name}.yaml or set name: ${base}` };
  }
  return { file, template };
}
