/**
 * The user's prompt templates: one `<name>.yaml` (or `.yml`) per template in one folder, re-read on
 * every call so edits apply while the server runs, merged over the built-ins. A broken file is
 * reported as a problem and never hides the others; nothing outside the folder is read or written
 * (a link that leads out is a problem). Saving checks everything first, then writes a temp file and
 * renames it.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringifyYaml } from '../util/yaml.js';
import { diskProblem } from '../util/disk-errors.js';
import { BUILTIN_TEMPLATES, isBuiltinTemplate } from './builtin.js';
import { TemplateError, templateNameProblem, validateTemplate, type TemplateDef } from './definition.js';
import { errno, EXTENSION, isInside, realFolder, realTemplatesFolder, TemplateFolder } from './files.js';

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

export interface SaveOptions {
  /** Replace the user's file of that name. */
  replace?: boolean;
  /**
   * A further check before anything is written (e.g. that the template can be offered as an MCP prompt): why
   * `def` cannot be saved, or undefined.
   */
  vet?: (def: TemplateDef) => string | undefined;
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
export function findTemplate(
  listing: TemplateListing,
  name: string,
): { template?: StoredTemplate; problems: TemplateProblem[] } {
  const template = listing.templates.find((t) => t.name === name);
  const problems = listing.problems.filter((p) => !EXTENSION.test(p.file) || p.file.replace(EXTENSION, '') === name);
  return template ? { template, problems } : { problems };
}

export class TemplateStore {
  private readonly folder: TemplateFolder;

  /** `home`: the settings folder ($OLLM_HOME); a templates folder placed in it must not be a link leading out of it. */
  constructor(
    readonly dir: string,
    readonly home?: string,
  ) {
    this.folder = new TemplateFolder(dir, home);
  }

  /** Built-ins merged with the user's files, sorted by name, plus every file that could not be used. */
  async list(): Promise<TemplateListing> {
    const problems: TemplateProblem[] = [];
    const byName = new Map<string, StoredTemplate>(
      BUILTIN_TEMPLATES.map((t) => [t.name, { ...copy(t), source: 'builtin' }]),
    );
    const claimed = new Map<string, string>();
    for (const loaded of await this.folder.read(problems)) {
      if (!loaded) continue;
      if ('problem' in loaded) {
        problems.push({ file: loaded.file, message: loaded.problem });
        continue;
      }
      const { file, template } = loaded;
      const other = claimed.get(template.name);
      if (other) {
        problems.push({
          file,
          message: `template "${template.name}" is already defined by ${other}; remove one of the two files`,
        });
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

  /**
   * The template called `name` and the problems of user files named after it (why it may be missing or not
   * overriding).
   */
  async lookup(name: string): Promise<{ template?: StoredTemplate; problems: TemplateProblem[] }> {
    const bad = templateNameProblem(name);
    if (bad) throw new TemplateError(bad);
    return findTemplate(await this.list(), name);
  }

  /**
   * Validates and writes `<name>.yaml`; an existing user file is replaced only with `replace: true`. Nothing
   * is written unless every check passed.
   */
  async save(raw: unknown, options: SaveOptions = {}): Promise<SaveResult> {
    const def = validateTemplate(raw);
    const refused = options.vet?.(def);
    if (refused) throw new TemplateError(`The template "${def.name}" was not saved: ${refused}`);
    const text = `# ollm-mcp prompt template\n${await stringifyYaml(toPlain(def))}`;
    await realTemplatesFolder(this.dir, this.home); // a folder that is a link out of $OLLM_HOME is not written to
    let existing: string | undefined;
    try {
      await mkdir(this.dir, { recursive: true });
      existing = await this.userFileOf(def.name);
      if (existing && !options.replace) throw this.exists(def.name, existing);
      await this.write(def.name, text, existing);
    } catch (err) {
      // a full or read-only disk is said as such, with what to do
      const disk = diskProblem(err, this.dir);
      if (disk) throw new TemplateError(`The template "${def.name}" was not saved: ${disk}`);
      throw err;
    }
    const fileName = existing ?? `${def.name}.yaml`;
    const path = join(this.dir, fileName);
    const template: StoredTemplate = { ...copy(def), source: 'user', file: fileName };
    if (isBuiltinTemplate(def.name)) template.overrides = 'builtin';
    return { template, action: existing ? 'replaced' : 'created', file: path };
  }

  /** Writes a temp file beside the target, then moves it into place. */
  private async write(name: string, text: string, existing: string | undefined): Promise<void> {
    const fileName = existing ?? `${name}.yaml`;
    const target = existing ? await this.replaceable(fileName) : join(this.dir, fileName);
    const tmp = join(dirname(target), `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (existing) await rename(tmp, target);
      else await this.createExclusive(tmp, target, name);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Where replacing the user's file writes: the file itself, or what a link inside the folder
   * points to (the link is kept). A link that leads out of the folder is refused.
   */
  private async replaceable(fileName: string): Promise<string> {
    const path = join(this.dir, fileName);
    const root = (await realFolder(this.dir)) ?? this.dir;
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      return path; // a broken link: the new file takes its place
    }
    if (isInside(root, real)) return real;
    throw new TemplateError(
      `${path} is a link to outside the templates folder; not followed, so it was not replaced — ` +
        `remove the link (or put a copy of the file in its place) and save again.`,
    );
  }

  private exists(name: string, file: string): TemplateError {
    return new TemplateError(
      `A user template "${name}" already exists (${join(this.dir, file)}); pass replace: true to overwrite it.`,
    );
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
    const found = await Promise.all(
      files.map((file) =>
        lstat(join(this.dir, file)).then(
          () => true,
          () => false,
        ),
      ),
    );
    return files[found.indexOf(true)];
  }
}
