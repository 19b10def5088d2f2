import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TemplateLibrary, TemplateStore } from '../../src/orchestrator/templates/index.js';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ollm-template-links-'));
  made.push(dir);
  return dir;
}

const greet = 'name: greet\ndescription: Greets someone\ntemplate: "Hello {who:world}!"\n';
const SECRET = 'SECRET-7f3a9c';
const OUTSIDE = 'is a link to outside the templates folder; not followed (copy the file into the folder instead)';

/** Every message a listing can show. */
const messagesOf = (listing: { problems: Array<{ file: string; message: string }> }) =>
  listing.problems.map((p) => `${p.file}: ${p.message}`).join('\n');

describe('links in the templates folder', () => {
  it('follows a link to a file inside the folder; a link that leads out is a problem', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'kept'));
    await writeFile(join(dir, 'kept', 'real.yaml'), greet);
    await symlink(join(dir, 'kept', 'real.yaml'), join(dir, 'greet.yaml'));
    await symlink(join(dir, 'gone.yaml'), join(dir, 'lost.yaml'));
    const elsewhere = await tempDir();
    await writeFile(join(elsewhere, 'real.yaml'), greet.replace('greet', 'away'));
    await symlink(join(elsewhere, 'real.yaml'), join(dir, 'away.yaml'));
    const { templates, problems } = await new TemplateStore(dir).list();
    expect(templates.find((t) => t.name === 'greet')?.file).toBe('greet.yaml');
    expect(templates.map((t) => t.name)).not.toContain('away');
    expect(problems).toEqual([
      { file: 'away.yaml', message: OUTSIDE },
      { file: 'lost.yaml', message: 'is a broken link' },
    ]);
  });

  it('a link to a file outside holding a secret: a problem, and the secret is in no message', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    // Text that would fail as YAML, as a template and as a name, each way quoting the secret if the file were read.
    const targets: Record<string, string> = {
      'plain.txt': `password: ${SECRET}\n`,
      'broken.yaml': `key: [${SECRET}\n`,
      'alias.yaml': `a: *${SECRET}\n`,
      'named.yaml': `name: ${SECRET}\ndescription: d\ntemplate: t\n`,
    };
    for (const [file, text] of Object.entries(targets)) {
      await writeFile(join(elsewhere, file), text);
      await symlink(join(elsewhere, file), join(dir, `${file.replace(/\..*$/, '')}.yaml`));
    }
    await symlink(elsewhere, join(dir, 'folder.yaml'));
    const library = new TemplateLibrary(dir);
    const listing = await library.refresh();
    expect(listing.problems).toEqual(
      ['alias.yaml', 'broken.yaml', 'folder.yaml', 'named.yaml', 'plain.yaml'].map((file) => ({
        file,
        message: OUTSIDE,
      })),
    );
    expect(messagesOf(listing)).not.toContain(SECRET);
    const { template, problems } = await library.lookup('plain');
    expect(template).toBeUndefined();
    expect(JSON.stringify(problems)).not.toContain(SECRET);
    expect(JSON.stringify(library.current())).not.toContain(SECRET);
  });

  it('the folder itself may be a link (its real path is the folder)', async () => {
    const real = await tempDir();
    await writeFile(join(real, 'greet.yaml'), greet);
    const dir = join(await tempDir(), 'templates');
    await symlink(real, dir);
    const store = new TemplateStore(dir);
    expect((await store.list()).problems).toEqual([]);
    expect((await store.get('greet'))?.file).toBe('greet.yaml');
    await store.save({ name: 'greet', description: 'Again', template: 'Hi {who}' }, { replace: true });
    expect(await readFile(join(real, 'greet.yaml'), 'utf8')).toContain('Again');
  });

  it('replaces through a link inside the folder, keeping the link; never through one that leads out', async () => {
    const dir = await tempDir();
    const store = new TemplateStore(dir);
    await mkdir(join(dir, 'kept'));
    await writeFile(join(dir, 'kept', 'real.yaml'), greet);
    await symlink(join(dir, 'kept', 'real.yaml'), join(dir, 'greet.yaml'));
    await store.save({ name: 'greet', description: 'Linked', template: 'Yo {who}' }, { replace: true });
    expect(await readFile(join(dir, 'kept', 'real.yaml'), 'utf8')).toContain('Linked');
    expect((await store.get('greet'))?.description).toBe('Linked');
    expect((await readdir(join(dir, 'kept'))).sort()).toEqual(['real.yaml']);

    const elsewhere = await tempDir();
    await writeFile(join(elsewhere, 'real.yaml'), greet.replace('greet', 'away'));
    await symlink(join(elsewhere, 'real.yaml'), join(dir, 'away.yaml'));
    const def = { name: 'away', description: 'Through the link', template: 'Yo {who}' };
    await expect(store.save(def, { replace: true })).rejects.toThrow(
      /away\.yaml is a link to outside the templates folder; not followed, so it was not replaced/,
    );
    await expect(store.save(def)).rejects.toThrow(/already exists/);
    expect(await readFile(join(elsewhere, 'real.yaml'), 'utf8')).toBe(greet.replace('greet', 'away'));
    expect((await readdir(elsewhere)).sort()).toEqual(['real.yaml']);
    expect((await readdir(dir)).sort()).toEqual(['away.yaml', 'greet.yaml', 'kept']);
  });
});

describe('messages quote no text of a file beyond its template fields', () => {
  it('a YAML syntax error gives the reason and position only', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'broken.yaml'), `name: broken\ndescription: [${SECRET}\ntemplate: x\n`);
    await writeFile(join(dir, 'escape.yaml'), `name: escape\ndescription: "a \\q ${SECRET}"\ntemplate: x\n`);
    await writeFile(join(dir, 'alias.yaml'), `name: alias\ndescription: *${SECRET}\ntemplate: x\n`);
    const { problems } = await new TemplateStore(dir).list();
    const byFile = Object.fromEntries(problems.map((p) => [p.file, p.message]));
    expect(byFile['broken.yaml']).toMatch(
      /^is not valid YAML: Flow sequence in block collection .* at line \d+, column \d+$/,
    );
    expect(byFile['escape.yaml']).toMatch(
      /^is not valid YAML: invalid escape sequence in a double-quoted string .* at line 2, column \d+$/,
    );
    expect(byFile['alias.yaml']).toBe('is not valid YAML: Unresolved alias (the anchor must be set before the alias)');
    expect(messagesOf({ problems })).not.toContain(SECRET);
  });

  it('an unknown key is quoted only when it is a short plain word; a wrong value is cut short', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'odd.yaml'),
      `name: odd\ndescription: d\ntemplate: t\n"${SECRET} and more words": x\ncolour: blue\n`,
    );
    await writeFile(
      join(dir, 'long.yaml'),
      `name: long\ndescription: d\ntemplate: t\nvariables: "${'x'.repeat(60)}${SECRET}"\n`,
    );
    const { problems } = await new TemplateStore(dir).list();
    const byFile = Object.fromEntries(problems.map((p) => [p.file, p.message]));
    expect(byFile['odd.yaml']).toMatch(/an unknown key of 28 characters \(allowed: .*\); unknown key "colour"/);
    expect(byFile['long.yaml']).toMatch(/^variables must be a list of variables, not string "x{38}…$/);
    expect(messagesOf({ problems })).not.toContain(SECRET);
  });
});
