/**
 * The user's prompt templates: one `<name>.yaml` (or `.yml`) per template in one folder, re-read on
 * every call so edits apply while the server runs, merged over the built-ins. A broken file is
 * reported as a problem and never hides the others. Saving writes a temp file and renames it.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseYaml, stringifyYaml } from '../yaml.js';
import { BUILTIN_TEMPLATES, isBuiltinTemplate } from './builtin.js';
import { TemplateError, templateNameProblem, validateTemplate, type TemplateDef } from './definition.js';

export type StoredTemplate = TemplateDef & {
  source: 'builtin' | 'user';
  /** The user file's base name. */
  file?: string;
  /** Set when a user template replaces the built-in of the same name. */
  overrides?: 'builtin';
};

export interface TemplateProblem {
  /** The file's base name. */
  file: string;
  message: string;
}

export interface TemplateListing {
  templates: StoredTemplate[];
  problems: TemplateProblem[];
}

export interface SaveResult {
  template: StoredTemplate;
  action: 'created' | 'replaced';
  /** Full path of the written file. */
  file: string;
}

const MAX_FILE_BYTES = 200_000;
const RACY_MS = 2_000;
const EXTENSION = /\.ya?ml$/i;

type Loaded = { file: string; template: TemplateDef } | { file: string; problem: string } | undefined;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function copy(def: TemplateDef): TemplateDef {
  return def.variables ? { ...def, variables: def.variables.map((v) => ({ ...v })) } : { ...def };
}

/** Key order as a person would write it. */
function toPlain(def: TemplateDef): Record<string, unknown> {
  const out: Record<string, unknown> = { name: def.name, description: def.description, template: def.template };
  if (def.variables?.length) out.variables = def.variables.map((v) => ({ ...v }));
  return out;
}

/** `name` in a listing, with the problems of user files named after it. */
export function findTemplate(listing: TemplateListing, name: string): { template?: StoredTemplate; problems: TemplateProblem[] } {
  const template = listing.templates.find((t) => t.name === name);
  const problems = listing.problems.filter((p) => !EXTENSION.test(p.file) || p.file.replace(EXTENSION, '') === name);
  return template ? { template, problems } : { problems };
}

export class TemplateStore {
  /** Parsed files by base name, reused while the file is unchanged. */
  private readonly cache = new Map<string, { key: string; loaded: Loaded }>();

  constructor(readonly dir: string) {}

  /** Built-ins merged with the user's files, sorted by name, plus every file that could not be used. */
  async list(): Promise<TemplateListing> {
    const problems: TemplateProblem[] = [];
    const byName = new Map<string, StoredTemplate>(BUILTIN_TEMPLATES.map((t) => [t.name, { ...copy(t), source: 'builtin' }]));
    const claimed = new Map<string, string>();
    for (const loaded of await this.readUserFiles(problems)) {
      if (!loaded) continue;
      if ('problem' in loaded) {
        problems.push({ file: loaded.file, message: loaded.problem });
        continue;
      }
      const { file, template } = loaded;
      const other = claimed.get(template.name);
      if (other) {
        problems.push({ file, message: `template "${template.name}" is already defined by ${other}; remove one of the two files` });
        continue;
      }
      claimed.set(template.name, file);
      const stored: StoredTemplate = { ...copy(template), source: 'user', file };
      if (isBuiltinTemplate(template.name)) stored.overrides = 'builtin';
      byName.set(template.name, stored);
    }
    const templates = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { templates, problems };
  }

  /** The template called `name`, or undefined; throws TemplateError when `name` cannot be a template name. */
  async get(name: string): Promise<StoredTemplate | undefined> {
    return (await this.lookup(name)).template;
  }

  /** The template called `name` and the problems of user files named after it (why it may be missing or not overriding). */
  async lookup(name: string): Promise<{ template?: StoredTemplate; problems: TemplateProblem[] }> {
    const bad = templateNameProblem(name);
    if (bad) throw new TemplateError(bad);
    return findTemplate(await this.list(), name);
  }

  /** Validates and writes `<name>.yaml`; an existing user file is replaced only with `replace: true`. */
  async save(raw: unknown, options: { replace?: boolean } = {}): Promise<SaveResult> {
    const def = validateTemplate(raw);
    const text = `# ollm-mcp prompt template\n${await stringifyYaml(toPlain(def))}`;
    await mkdir(this.dir, { recursive: true });
    const existing = await this.userFileOf(def.name);
    if (existing && !options.replace) throw this.exists(def.name, existing);
    const fileName = existing ?? `${def.name}.yaml`;
    const path = join(this.dir, fileName);
    // Replacing through a symlink updates the file it points to and keeps the link.
    const target = existing ? await realpath(path).catch(() => path) : path;
    const tmp = join(dirname(target), `.${def.name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (existing) await rename(tmp, target);
      else await this.createExclusive(tmp, target, def.name);
    } finally {
      await rm(tmp, { force: true });
    }
    const template: StoredTemplate = { ...copy(def), source: 'user', file: fileName };
    if (isBuiltinTemplate(def.name)) template.overrides = 'builtin';
    return { template, action: existing ? 'replaced' : 'created', file: path };
  }

  private exists(name: string, file: string): TemplateError {
    return new TemplateError(`A user template "${name}" already exists (${join(this.dir, file)}); pass replace: true to overwrite it.`);
  }

  /** Moves the temp file into place unless another save created the file meanwhile. */
  private async createExclusive(tmp: string, target: string, name: string): Promise<void> {
    try {
      await link(tmp, target);
      return;
    } catch (err) {
      if (errno(err) === 'EEXIST') throw this.exists(name, basename(target));
    }
    // No hard links on this file system: check, then rename.
    const again = await this.userFileOf(name);
    if (again) throw this.exists(name, again);
    await rename(tmp, target);
  }

  private async userFileOf(name: string): Promise<string | undefined> {
    const files = [`${name}.yaml`, `${name}.yml`];
    const found = await Promise.all(files.map((file) => lstat(join(this.dir, file)).then(() => true, () => false)));
    return files[found.indexOf(true)];
  }

  private async readUserFiles(problems: TemplateProblem[]): Promise<Loaded[]> {
    let names: string[];
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      names = entries.filter((e) => !e.name.startsWith('.') && EXTENSION.test(e.name) && (e.isFile() || e.isSymbolicLink())).map((e) => e.name);
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      const why = errno(err) === 'ENOTDIR' ? 'is not a folder' : `cannot be read: ${(err as Error).message}`;
      problems.push({ file: basename(this.dir), message: `the templates folder ${this.dir} ${why}` });
      return [];
    }
    const loaded = await Promise.all(names.sort().map((file) => this.readUserFile(file)));
    const present = new Set(names);
    for (const file of this.cache.keys()) if (!present.has(file)) this.cache.delete(file);
    return loaded;
  }

  /** A file is parsed again only when its identity, size or times change: stat is far cheaper than YAML. */
  private async readUserFile(file: string): Promise<Loaded> {
    const badName = templateNameProblem(file.replace(EXTENSION, ''));
    if (badName) return { file, problem: `the file name cannot name a template (${badName}); rename the file` };
    const path = join(this.dir, file);
    let key: string;
    try {
      const st = await stat(path);
      if (!st.isFile()) return undefined;
      if (st.size > MAX_FILE_BYTES) return { file, problem: `is larger than ${MAX_FILE_BYTES / 1000} kB` };
      key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const cached = this.cache.get(file);
      // A file changed within the clock's granularity may look unchanged: trust the cache only for older files.
      if (cached?.key === key && Date.now() - st.mtimeMs > RACY_MS) return cached.loaded;
      const loaded = await parseTemplateFile(file, await readFile(path, 'utf8'));
      this.cache.set(file, { key, loaded });
      return loaded;
    } catch (err) {
      return { file, problem: errno(err) === 'ENOENT' ? 'is a broken link' : `cannot be read: ${(err as Error).message}` };
    }
  }
}

async function parseTemplateFile(file: string, text: string): Promise<Loaded> {
  const parsed = await parseYaml(text);
  if (!parsed.ok) return { file, problem: `is not valid YAML: ${parsed.message}${parsed.line && !/ at line \d+/.test(parsed.message) ? ` at line ${parsed.line}` : ''}` };
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
    throw err;
  }
  const base = file.replace(EXTENSION, '');
  if (template.name !== base) {
    return { file, problem: `name "${template.name}" does not match the file name; rename the file to ${template.name}.yaml or set name: ${base}` };
  }
  return { file, template };
}
