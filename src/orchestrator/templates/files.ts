/**
 * Reading the templates folder without leaving it: each entry is resolved to its real path and
 * read only when that path is inside the folder, so a link cannot make a message (or a prompt)
 * out of another file. A folder placed in $OLLM_HOME must stay there: one that is a link leading
 * out of it is not read. Only regular files are opened (a FIFO or a device is a problem, never a
 * wait), each within a time limit. A file is parsed again only when it changed.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import { parseYaml } from '../util/yaml.js';
import { diskProblem } from '../util/disk-errors.js';
import {
  asReadError,
  openRegular,
  readAll,
  READ_TIMEOUT_MS,
  realWithin,
  SafeReadError,
  withTimeLimit,
  writtenWithin,
} from '../util/safe-read.js';
import { TemplateError, templateNameProblem, validateTemplate, type TemplateDef } from './definition.js';

export const EXTENSION = /\.ya?ml$/i;
const MAX_FILE_BYTES = 200_000;
const RACY_MS = 2_000;

export type LoadedTemplate = { file: string; template: TemplateDef } | { file: string; problem: string } | undefined;

const OUTSIDE = 'is a link to outside the templates folder; not followed (copy the file into the folder instead)';
const SPECIAL =
  'is not a regular file (a FIFO, a device or a socket), so it is not read; replace it with a ' +
  'plain YAML file or remove it';

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

/**
 * The templates folder's real path, or undefined when it does not exist. A folder whose path lies
 * in `home` ($OLLM_HOME) must stay there once links are resolved: a TemplateError says otherwise.
 * A folder named elsewhere (templates.dir) is the user's choice and may be a link.
 */
export async function realTemplatesFolder(dir: string, home: string | undefined): Promise<string | undefined> {
  return withTimeLimit(dir, READ_TIMEOUT_MS, async () => {
    if (home === undefined || !writtenWithin(home, dir)) return realFolder(dir);
    try {
      return await realWithin(dir, home);
    } catch (err) {
      if (!(err instanceof SafeReadError)) throw err;
      if (err.kind === 'missing') return undefined;
      if (err.kind !== 'outside') throw err;
      const real = await realpath(dir);
      throw new TemplateError(
        `The templates folder ${dir} is a link to ${real}, outside the settings folder ${home}; it ` +
          `is not followed — move the templates into ${dir} itself, or set templates.dir to ${real} ` +
          `if that folder is meant.`,
      );
    }
  }).catch((err: unknown) => {
    if (err instanceof SafeReadError && err.kind === 'timeout')
      throw new TemplateError(`The templates folder ${err.message} — check the disk or network file system it is on.`);
    throw err;
  });
}

export class TemplateFolder {
  /** Parsed files by base name, reused while the file is unchanged. */
  private readonly cache = new Map<string, { key: string; loaded: LoadedTemplate }>();

  /** `home`: the settings folder ($OLLM_HOME) a templates folder placed in it must stay inside. */
  constructor(
    readonly dir: string,
    readonly home?: string,
  ) {}

  /** Every template file of the folder, loaded or with its problem; a folder that cannot be read adds to `problems`. */
  async read(problems: Array<{ file: string; message: string }>): Promise<LoadedTemplate[]> {
    let root: string | undefined;
    let names: string[];
    try {
      root = await realTemplatesFolder(this.dir, this.home);
      if (root === undefined) return [];
      const folder = root;
      const entries = await withTimeLimit(this.dir, READ_TIMEOUT_MS, () => readdir(folder, { withFileTypes: true }));
      // a folder named like a template is passed over; a FIFO, device or socket is a problem (never opened)
      names = entries
        .filter((e) => !e.name.startsWith('.') && EXTENSION.test(e.name) && !e.isDirectory())
        .map((e) => e.name);
    } catch (err) {
      if (err instanceof TemplateError) {
        problems.push({ file: basename(this.dir), message: err.message });
        return [];
      }
      const disk = diskProblem(err, this.dir);
      const why =
        errno(err) === 'ENOTDIR'
          ? 'is not a folder'
          : err instanceof SafeReadError
            ? err.reason
            : disk
              ? `cannot be read: ${disk}`
              : `cannot be read: ${(err as Error).message}`;
      problems.push({ file: basename(this.dir), message: `the templates folder ${this.dir} ${why}` });
      return [];
    }
    const folder = root;
    const loaded = await Promise.all(names.sort().map((file) => this.readOne(folder, file)));
    const present = new Set(names);
    for (const file of this.cache.keys()) if (!present.has(file)) this.cache.delete(file);
    return loaded;
  }

  private async readOne(root: string, file: string): Promise<LoadedTemplate> {
    const badName = templateNameProblem(file.replace(EXTENSION, ''));
    if (badName) return { file, problem: `the file name cannot name a template (${badName}); rename the file` };
    try {
      return await withTimeLimit(join(root, file), READ_TIMEOUT_MS, () => this.resolveAndLoad(root, file));
    } catch (thrown) {
      const err = asReadError(thrown, join(root, file));
      if (err.kind === 'timeout')
        return {
          file,
          problem: `could not be read within ${READ_TIMEOUT_MS / 1000} s; check the disk or network file system it is on`,
        };
      // removed while read, or a folder took its place
      if (err.kind === 'missing' || err.kind === 'folder') return undefined;
      if (err.kind === 'loop') return { file, problem: OUTSIDE }; // became a link while read
      if (err.kind === 'special') return { file, problem: SPECIAL };
      return { file, problem: err.reason };
    }
  }

  private async resolveAndLoad(root: string, file: string): Promise<LoadedTemplate> {
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
    // lstat first: a folder is passed over, a pipe or a device never opened
    const kind = await lstat(real);
    if (kind.isDirectory()) return undefined;
    if (!kind.isFile()) return { file, problem: SPECIAL };
    return this.load(file, real);
  }

  /**
   * Reads the file through one handle; it is parsed again only when its identity, size or times change (stat
   * is far cheaper than YAML).
   */
  private async load(file: string, real: string): Promise<LoadedTemplate> {
    // never follows a link, never waits on a pipe that took the file's place
    const { handle, stat: st } = await openRegular(real, { noFollow: true });
    try {
      if (st.size > MAX_FILE_BYTES) return { file, problem: `is larger than ${MAX_FILE_BYTES / 1000} kB` };
      const key = `${real}:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const cached = this.cache.get(file);
      // A file changed within the clock's granularity may look unchanged: trust the cache only for older files.
      if (cached?.key === key && Date.now() - st.mtimeMs > RACY_MS) return cached.loaded;
      const data = await readAll(handle, real, MAX_FILE_BYTES, st.size).catch((err: unknown) => {
        if (err instanceof SafeReadError && err.kind === 'too-large') return undefined;
        throw err;
      });
      if (data === undefined) return { file, problem: `is larger than ${MAX_FILE_BYTES / 1000} kB` };
      const loaded = await parseTemplateFile(file, data.toString('utf8'));
      this.cache.set(file, { key, loaded });
      return loaded;
    } finally {
      await handle.close();
    }
  }
}

/** A file's template, or why it is not one; a message names fields and positions, never other text of the file. */
async function parseTemplateFile(file: string, text: string): Promise<LoadedTemplate> {
  const parsed = await parseYaml(text);
  if (!parsed.ok) return { file, problem: `is not valid YAML: ${parsed.message}` };
  const data = parsed.data;
  if (data === null || data === undefined)
    return { file, problem: 'is empty; a template file holds name, description and template' };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return {
      file,
      problem:
        `must hold a mapping with name, description and template, not ` +
        `${Array.isArray(data) ? 'a list' : typeof data}`,
    };
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
    return {
      file,
      problem:
        `name "${template.name}" does not match the file name; rename the file to ` +
        `${template.name}.yaml or set name: ${base}`,
    };
  }
  return { file, template };
}
