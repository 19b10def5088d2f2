/**
 * The server's own files are bounded: under $OLLM_HOME (and in the templates folder, and for the
 * project file) only regular files are opened — a FIFO is refused, never waited on; a link leading
 * out is not followed — and a read-only or full disk is said as such, never as a bug.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/orchestrator/config/load.js';
import { ProjectError, resolveProject } from '../../src/orchestrator/project/project.js';
import { TemplateLibrary, TemplateStore } from '../../src/orchestrator/templates/index.js';
import { checkRegularFile, readRegularFile, SafeReadError } from '../../src/orchestrator/util/safe-read.js';
import { canWrite, fillDisk, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';
import { tempDir } from '../helpers/temp.js';

afterEach(() => unmountTmpfs());

const mkfifo = (path: string) => execFileSync('mkfifo', [path]);
const greet = (name = 'greet') => `name: ${name}\ndescription: Greets someone\ntemplate: "Hello {who:world}!"\n`;
const def = { name: 'greet', description: 'Greets someone', template: 'Hello {who}!' };
const settingsError = (home: string) =>
  loadConfig({ env: { OLLM_HOME: home } }).then(
    () => undefined,
    (err: unknown) => err,
  );

describe('a regular file, bounded', () => {
  it('refuses a FIFO at once (no writer is ever waited for), naming it', async () => {
    const dir = tempDir('ollm-safe-read-');
    mkfifo(join(dir, 'pipe'));
    const err = await readRegularFile(join(dir, 'pipe'), { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafeReadError);
    expect((err as SafeReadError).kind).toBe('special');
    expect((err as SafeReadError).message).toMatch(/pipe is not a regular file \(a FIFO, a device or a socket\)/);
  });

  it('refuses a device, a file past its bound, and a link that leads out of its folder', async () => {
    const dir = tempDir('ollm-safe-read-');
    const outside = tempDir('ollm-safe-read-out-');
    writeFileSync(join(outside, 'x'), 'secret');
    symlinkSync(join(outside, 'x'), join(dir, 'out'));
    writeFileSync(join(dir, 'big'), 'x'.repeat(2001));
    const kind = (p: Promise<unknown>) =>
      p.then(
        () => 'read',
        (e: SafeReadError) => e.kind,
      );
    expect(await kind(readRegularFile('/dev/zero', { maxBytes: 1000 }))).toBe('special');
    expect(await kind(readRegularFile(join(dir, 'big'), { maxBytes: 2000 }))).toBe('too-large');
    expect(await kind(readRegularFile(join(dir, 'out'), { maxBytes: 2000, within: dir }))).toBe('outside');
    // no folder to stay in: followed
    expect((await readRegularFile(join(dir, 'out'), { maxBytes: 2000 })).data.toString()).toBe('secret');
  });

  it('checks a file another library opens (a database) without opening it: absent, regular, or refused', async () => {
    const home = tempDir('ollm-home-');
    const elsewhere = tempDir('ollm-elsewhere-');
    writeFileSync(join(home, 'state.db'), '');
    mkfifo(join(home, 'pipe.db'));
    writeFileSync(join(elsewhere, 'x.db'), '');
    symlinkSync(join(elsewhere, 'x.db'), join(home, 'out.db'));
    const kind = (p: Promise<boolean>) => p.then(String, (e: SafeReadError) => e.kind);
    expect(await kind(checkRegularFile(join(home, 'none.db'), { within: home }))).toBe('false');
    expect(await kind(checkRegularFile(join(home, 'state.db'), { within: home }))).toBe('true');
    expect(await kind(checkRegularFile(join(home, 'pipe.db'), { within: home }))).toBe('special');
    expect(await kind(checkRegularFile(join(home, 'out.db'), { within: home }))).toBe('outside');
  });
});

describe('config.yaml', () => {
  it('as a FIFO: the settings are refused at once, saying what is wrong and what to do', async () => {
    const home = tempDir('ollm-home-');
    mkfifo(join(home, 'config.yaml'));
    const err = await settingsError(home);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `Settings file ${join(home, 'config.yaml')} is not a regular file (a FIFO, a device or a ` +
        `socket), so it is not opened — replace it with a plain YAML file, or remove it.`,
    );
  });

  it('named by --config as a FIFO or a device: refused too', async () => {
    const home = tempDir('ollm-home-');
    mkfifo(join(home, 'pipe.yaml'));
    await expect(loadConfig({ env: { OLLM_HOME: home }, configFile: join(home, 'pipe.yaml') })).rejects.toThrow(
      /pipe\.yaml is not a regular file .* drop --config/,
    );
    await expect(loadConfig({ env: { OLLM_HOME: home }, configFile: '/dev/zero' })).rejects.toThrow(
      /\/dev\/zero is not a regular file/,
    );
  });

  it('a link leading out of $OLLM_HOME is not followed; the same file named by --config is read', async () => {
    const home = tempDir('ollm-home-');
    const elsewhere = tempDir('ollm-elsewhere-');
    writeFileSync(join(elsewhere, 'settings.yaml'), 'options:\n  temperature: 0.3\n');
    symlinkSync(join(elsewhere, 'settings.yaml'), join(home, 'config.yaml'));
    const err = await settingsError(home);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `config\\.yaml is a link to .*settings\\.yaml, outside ${home}; not followed — copy the ` +
          `file into ${home}, or name it with --config\\.$`,
      ),
    );
    const named = await loadConfig({ env: { OLLM_HOME: home }, configFile: join(home, 'config.yaml') });
    expect(named.settings.options.temperature).toBe(0.3);
  });

  it('a link inside $OLLM_HOME is followed, and $OLLM_HOME itself may be a link', async () => {
    const real = tempDir('ollm-home-real-');
    mkdirSync(join(real, 'kept'));
    writeFileSync(join(real, 'kept', 'settings.yaml'), 'options:\n  temperature: 0.4\n');
    symlinkSync(join(real, 'kept', 'settings.yaml'), join(real, 'config.yaml'));
    const home = join(tempDir('ollm-home-link-'), 'home');
    symlinkSync(real, home);
    const config = await loadConfig({ env: { OLLM_HOME: home } });
    expect(config.fileFound).toBe(true);
    expect(config.settings.options.temperature).toBe(0.4);
  });

  it('as a folder, or past 1 MB: refused with what to do', async () => {
    const home = tempDir('ollm-home-');
    mkdirSync(join(home, 'config.yaml'));
    expect(((await settingsError(home)) as Error).message).toMatch(
      /config\.yaml is a folder, not a file — replace it with a plain YAML file, or remove it\.$/,
    );
    const big = tempDir('ollm-home-');
    writeFileSync(join(big, 'config.yaml'), `# ${'x'.repeat(1_000_001)}\n`);
    expect(((await settingsError(big)) as Error).message).toMatch(
      /config\.yaml is 1\.0 MB, more than the 1\.0 MB read of such a file — a settings file is a few kB/,
    );
  });

  it('an invalid value hundreds of kB long is quoted by its start and length: the error stays a line', async () => {
    const home = tempDir('ollm-home-');
    writeFileSync(join(home, 'config.yaml'), `options:\n  temperature: "${'9'.repeat(500_000)}"\n`);
    const message = ((await settingsError(home)) as Error).message;
    expect(message).toMatch(
      /^Invalid setting options\.temperature = "9{49}…9{29}" \(500002 characters\) \(from .*config\.yaml\)/,
    );
    expect(message.length).toBeLessThan(400);
  });
});

describe('the templates folder', () => {
  it('a FIFO named like a template is a problem of its own; the other templates are listed', async () => {
    const dir = tempDir('ollm-templates-');
    writeFileSync(join(dir, 'greet.yaml'), greet());
    mkfifo(join(dir, 'pipe.yaml'));
    symlinkSync(join(dir, 'pipe.yaml'), join(dir, 'alias.yaml'));
    const { templates, problems } = await new TemplateStore(dir).list();
    expect(templates.find((t) => t.name === 'greet')?.source).toBe('user');
    const special =
      'is not a regular file (a FIFO, a device or a socket), so it is not read; replace it with a ' +
      'plain YAML file or remove it';
    expect(problems).toEqual([
      { file: 'alias.yaml', message: special },
      { file: 'pipe.yaml', message: special },
    ]);
  });

  it('a templates folder in $OLLM_HOME that links outside it is not read, nor written to', async () => {
    const home = tempDir('ollm-home-');
    const elsewhere = tempDir('ollm-elsewhere-');
    writeFileSync(join(elsewhere, 'away.yaml'), greet('away'));
    symlinkSync(elsewhere, join(home, 'templates'));
    const library = new TemplateLibrary(join(home, 'templates'), home);
    const listing = await library.refresh();
    expect(listing.templates.map((t) => t.name)).not.toContain('away');
    expect(listing.problems).toEqual([
      {
        file: 'templates',
        message:
          `The templates folder ${join(home, 'templates')} is a link to ${elsewhere}, outside the ` +
          `settings folder ${home}; it is not followed — move the templates into ` +
          `${join(home, 'templates')} itself, or set templates.dir to ${elsewhere} if that folder is meant.`,
      },
    ]);
    await expect(library.save(def)).rejects.toThrow(/is a link to .*, outside the settings folder/);
    expect(readdirSync(elsewhere)).toEqual(['away.yaml']);
    // named as the templates folder itself (templates.dir), the same folder is the user's choice
    expect((await new TemplateLibrary(elsewhere, home).lookup('away')).template?.source).toBe('user');
  });

  it('a template file linking out of the folder is a problem, and its text is never read', async () => {
    const dir = tempDir('ollm-templates-');
    const elsewhere = tempDir('ollm-elsewhere-');
    writeFileSync(join(elsewhere, 'away.yaml'), greet('away'));
    symlinkSync(join(elsewhere, 'away.yaml'), join(dir, 'away.yaml'));
    const { templates, problems } = await new TemplateStore(dir).list();
    expect(templates.map((t) => t.name)).not.toContain('away');
    expect(problems).toEqual([
      {
        file: 'away.yaml',
        message: 'is a link to outside the templates folder; not followed (copy the file into the folder instead)',
      },
    ]);
  });
});

describe('saving a template on a disk that cannot take it', () => {
  it('a read-only templates folder: said as such, with what to do — not "a bug"', async (ctx) => {
    const dir = tempDir('ollm-templates-ro-');
    if (!mountTmpfs(dir, { sizeBytes: 1 << 20, readOnly: true })) {
      execFileSync('chmod', ['0555', dir]);
      if (canWrite(dir)) ctx.skip(); // no mount here, and root writes to any folder
    }
    const err = await new TemplateStore(dir).save(def).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TemplateError');
    expect((err as Error).message).toMatch(
      new RegExp(
        `^The template "greet" was not saved: ${dir} is on a read-only disk or folder ` +
          `\\((EROFS|EACCES)\\).* make it writable`,
      ),
    );
    expect((err as Error).message).not.toMatch(/bug/);
  });

  it('a full disk: said as such, with what to do, and nothing half-written is left', async (ctx) => {
    const dir = tempDir('ollm-templates-full-');
    if (!mountTmpfs(dir, { sizeBytes: 1 << 20 })) ctx.skip();
    fillDisk(dir);
    const err = await new TemplateStore(dir).save({ ...def, template: 'x'.repeat(9000) }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      new RegExp(`^The template "greet" was not saved: The disk holding ${dir} is full \\(ENOSPC\\).*free some space`),
    );
    expect(readdirSync(dir)).toEqual(['filler.bin']);
  });
});

describe('the project file', () => {
  const toolNames = ['route_and_generate'];

  it('as a FIFO: refused at once with what to do', async () => {
    const root = tempDir('ollm-project-');
    mkdirSync(join(root, '.ollm'));
    writeFileSync(join(root, 'package.json'), '{}');
    mkfifo(join(root, '.ollm', 'project.yaml'));
    await expect(resolveProject({ dir: root, toolNames, home: '/' })).rejects.toThrow(
      new ProjectError(
        `Project file ${join(root, '.ollm', 'project.yaml')} is not a regular file (a FIFO, a ` +
          `device or a socket), so it is not opened — replace it with a plain YAML file, or remove it.`,
      ),
    );
  });

  it('a link leading out of the project folder is not followed', async () => {
    const root = tempDir('ollm-project-');
    const elsewhere = tempDir('ollm-elsewhere-');
    writeFileSync(join(elsewhere, 'project.yaml'), 'profile: typescript\n');
    writeFileSync(join(root, 'package.json'), '{}');
    symlinkSync(elsewhere, join(root, '.ollm'));
    await expect(resolveProject({ dir: root, toolNames, home: '/' })).rejects.toThrow(
      /project\.yaml is a link to .*, outside .*; not followed — copy the file into the project folder/,
    );
  });
});
