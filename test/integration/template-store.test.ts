import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_TEMPLATES,
  renderTemplate,
  TemplateError,
  TemplateStore,
} from '../../src/orchestrator/templates/index.js';
import { TemplateFolder } from '../../src/orchestrator/templates/files.js';

const BUILTIN_NAMES = BUILTIN_TEMPLATES.map((t) => t.name);

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ollm-templates-'));
  made.push(dir);
  return dir;
}

async function withFiles(files: Record<string, string>): Promise<{ dir: string; store: TemplateStore }> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, store: new TemplateStore(dir) };
}

const greet = 'name: greet\ndescription: Greets someone\ntemplate: "Hello {who:world}!"\n';

describe('TemplateStore.list', () => {
  it('lists the built-ins when the folder does not exist', async () => {
    const store = new TemplateStore(join(await tempDir(), 'missing', 'templates'));
    const { templates, problems } = await store.list();
    expect(problems).toEqual([]);
    expect(templates.map((t) => t.name)).toEqual([...BUILTIN_NAMES].sort());
    expect(templates.every((t) => t.source === 'builtin' && t.file === undefined)).toBe(true);
  });

  it('lists .yaml and .yml files sorted by name with the built-ins, ignoring other entries', async () => {
    const { dir, store } = await withFiles({
      'greet.yaml': greet,
      'ask.yml':
        'name: ask\ndescription: Asks\ntemplate: "{question}?"\nvariables:\n  - name: question\n    required: true\n',
      'notes.txt': 'not a template',
      '.hidden.yaml': 'garbage: [',
    });
    await mkdir(join(dir, 'folder.yaml'));
    const { templates, problems } = await store.list();
    expect(problems).toEqual([]);
    expect(templates.map((t) => t.name)).toEqual(['ask', ...BUILTIN_NAMES, 'greet'].sort());
    expect(templates.find((t) => t.name === 'ask')).toEqual({
      name: 'ask',
      description: 'Asks',
      template: '{question}?',
      variables: [{ name: 'question', required: true }],
      source: 'user',
      file: 'ask.yml',
    });
  });

  it('reports malformed files by name and still lists the others', async () => {
    const { store } = await withFiles({
      'greet.yaml': greet,
      'broken.yaml': 'name: broken\ndescription: x\ntemplate: [unclosed\n',
      'list.yaml': '- a\n- b\n',
      'empty.yaml': '',
      'typo.yaml': 'name: typo\ndescription: x\ntemplate: "{a}"\nvaraibles: []\n',
      'brace.yaml': 'name: brace\ndescription: x\ntemplate: "if (x) { y }"\n',
      'dup.yaml': 'name: dup\nname: dup\ndescription: x\ntemplate: t\n',
    });
    const { templates, problems } = await store.list();
    expect(templates.map((t) => t.name)).toContain('greet');
    const byFile = Object.fromEntries(problems.map((p) => [p.file, p.message]));
    expect(Object.keys(byFile).sort()).toEqual([
      'brace.yaml',
      'broken.yaml',
      'dup.yaml',
      'empty.yaml',
      'list.yaml',
      'typo.yaml',
    ]);
    expect(byFile['broken.yaml']).toMatch(/^is not valid YAML: .* at line \d+/);
    expect(byFile['dup.yaml']).toMatch(/^is not valid YAML: Map keys must be unique at line 2/);
    expect(byFile['list.yaml']).toMatch(/must hold a mapping .* not a list/);
    expect(byFile['empty.yaml']).toMatch(/is empty/);
    expect(byFile['typo.yaml']).toMatch(/unknown key "varaibles" \(did you mean "variables"/);
    expect(byFile['brace.yaml']).toMatch(/template line 1, column 8: .*write \{\{ or \}\} for a literal brace/);
  });

  it('reports a name that differs from the file name, and a file name that cannot be a template name', async () => {
    const { store } = await withFiles({ 'hello.yaml': greet, 'my template.yaml': greet.replace('greet', 'x') });
    const { templates, problems } = await store.list();
    expect(templates.some((t) => t.name === 'greet' || t.name === 'hello')).toBe(false);
    expect(problems).toEqual([
      {
        file: 'hello.yaml',
        message: 'name "greet" does not match the file name; rename the file to greet.yaml or set name: hello',
      },
      { file: 'my template.yaml', message: expect.stringMatching(/^the file name cannot name a template/) as string },
    ]);
  });

  it('reports the second of two files with the same name', async () => {
    const { store } = await withFiles({ 'greet.yaml': greet, 'greet.yml': greet });
    const { templates, problems } = await store.list();
    expect(templates.find((t) => t.name === 'greet')?.file).toBe('greet.yaml');
    expect(problems).toEqual([
      { file: 'greet.yml', message: expect.stringContaining('already defined by greet.yaml') as string },
    ]);
  });

  it('lets a user file override a built-in', async () => {
    const { store } = await withFiles({
      'summarize.yaml': 'name: summarize\ndescription: Mine\ntemplate: "TL;DR: {text}"\n',
    });
    const { templates } = await store.list();
    expect(templates.filter((t) => t.name === 'summarize')).toEqual([
      {
        name: 'summarize',
        description: 'Mine',
        template: 'TL;DR: {text}',
        source: 'user',
        file: 'summarize.yaml',
        overrides: 'builtin',
      },
    ]);
  });

  it('re-reads the folder on every call', async () => {
    const { dir, store } = await withFiles({});
    expect((await store.get('greet')) === undefined).toBe(true);
    await writeFile(join(dir, 'greet.yaml'), greet);
    expect((await store.get('greet'))?.template).toBe('Hello {who:world}!');
    await writeFile(join(dir, 'greet.yaml'), greet.replace('Hello', 'Hi'));
    expect((await store.get('greet'))?.template).toBe('Hi {who:world}!');
    await writeFile(join(dir, 'greet.yaml'), greet.replace('Hello', 'Hola'));
    expect((await store.get('greet'))?.template).toBe('Hola {who:world}!');
    await writeFile(join(dir, 'greet.yaml'), greet.replace('Hello', 'Ciao'));
    expect((await store.get('greet'))?.template).toBe('Ciao {who:world}!');
    await rm(join(dir, 'greet.yaml'));
    expect(await store.get('greet')).toBeUndefined();
  });

  it('reads tens of files once: an unchanged file is not parsed again', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`t${i}.yaml`] = greet.replace('greet', `t${i}`);
    const { dir, store } = await withFiles(files);
    const old = new Date(Date.now() - 60_000);
    for (const name of Object.keys(files)) await utimes(join(dir, name), old, old);
    const { templates } = await store.list();
    expect(templates).toHaveLength(40 + BUILTIN_NAMES.length);
    // the folder's second reading hands back the very objects of the first: taken from the cache, not parsed again
    const folder = new TemplateFolder(dir);
    const first = await folder.read([]);
    const second = await folder.read([]);
    expect(first).toHaveLength(40);
    second.forEach((loaded, i) => expect(loaded).toBe(first[i]));
  });
});

describe('TemplateStore.get', () => {
  it('finds built-ins and user templates, and gives undefined for unknown names', async () => {
    const { store } = await withFiles({ 'greet.yaml': greet });
    expect((await store.get('code_review'))?.source).toBe('builtin');
    expect((await store.get('greet'))?.source).toBe('user');
    expect(await store.get('nope')).toBeUndefined();
  });

  it("gives a broken file's problems with lookup", async () => {
    const { store } = await withFiles({ 'greet.yaml': 'name: greet\n' });
    expect(await store.lookup('greet')).toEqual({
      problems: [{ file: 'greet.yaml', message: 'description is missing; template is missing' }],
    });
  });

  it.each(['../greet', 'a/b', '..', 'greet.yaml', 'C:\\x', '', 'x'.repeat(65)])('rejects the name %j', async (name) => {
    const { store } = await withFiles({ 'greet.yaml': greet });
    await expect(store.get(name)).rejects.toThrow(TemplateError);
    await expect(store.get(name)).rejects.toThrow(/template name/);
  });
});

describe('TemplateStore.save', () => {
  const def = {
    name: 'release_notes',
    description: 'Release notes from a changelog: "terse"',
    template: 'Write release notes for {product} from:\n\n{changes}\n\n  - keep {{braces}}\n# not a comment\n',
    variables: [
      { name: 'product', default: 42, description: 'Product name' },
      { name: 'changes', required: true },
    ],
  };

  it('creates the folder and a file that round-trips through list and get', async () => {
    const dir = join(await tempDir(), 'nested', 'templates');
    const store = new TemplateStore(dir);
    const saved = await store.save(def);
    expect(saved.action).toBe('created');
    expect(saved.file).toBe(join(dir, 'release_notes.yaml'));
    expect(saved.template.overrides).toBeUndefined();
    const text = await readFile(saved.file, 'utf8');
    expect(text.startsWith('# ollm-mcp prompt template\nname: release_notes\n')).toBe(true);
    const expected = {
      ...def,
      variables: [
        { name: 'product', default: '42', description: 'Product name' },
        { name: 'changes', required: true },
      ],
    };
    const got = await store.get('release_notes');
    expect(got).toEqual({ ...expected, source: 'user', file: 'release_notes.yaml' });
    expect(saved.template).toEqual(got);
    expect((await store.list()).problems).toEqual([]);
    expect(renderTemplate(got!, { changes: 'fixed x' }).prompt).toBe(
      'Write release notes for 42 from:\n\nfixed x\n\n  - keep {braces}\n# not a comment\n',
    );
  });

  it('refuses to replace a user template unless replace is true', async () => {
    const { dir, store } = await withFiles({ 'greet.yml': greet });
    const changed = { name: 'greet', description: 'New', template: 'Hey {who}' };
    await expect(store.save(changed)).rejects.toThrow(/already exists .*pass replace: true/);
    expect((await store.get('greet'))?.description).toBe('Greets someone');
    const saved = await store.save(changed, { replace: true });
    expect(saved).toMatchObject({ action: 'replaced', file: join(dir, 'greet.yml') });
    expect(await store.get('greet')).toEqual({ ...changed, source: 'user', file: 'greet.yml' });
    expect((await readdir(dir)).sort()).toEqual(['greet.yml']);
  });

  it('saves an override of a built-in and says so', async () => {
    const { store } = await withFiles({});
    const saved = await store.save({ name: 'translate', description: 'Mine', template: 'Translate to {to}: {text}' });
    expect(saved.action).toBe('created');
    expect(saved.template).toMatchObject({ source: 'user', overrides: 'builtin' });
    expect((await store.get('translate'))?.description).toBe('Mine');
  });

  it.each(['../evil', 'a/b', '..', 'x.yaml', 'C:\\x', '', 'x'.repeat(65)])(
    'rejects the name %j without writing',
    async (name) => {
      const dir = join(await tempDir(), 'templates');
      const store = new TemplateStore(dir);
      await expect(store.save({ ...def, name })).rejects.toThrow(/template name/);
      await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    },
  );

  it('rejects an invalid definition with the reason', async () => {
    const { store } = await withFiles({});
    await expect(store.save({ ...def, variables: [{ name: 'unused' }] })).rejects.toThrow(
      /declared but the template never uses \{unused\}/,
    );
  });

  it('leaves no temp files behind, concurrent creates included', async () => {
    const { dir, store } = await withFiles({});
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((i) => store.save({ name: 'race', description: `try ${i}`, template: 'x' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => /already exists/.test(String(r.reason)))).toBe(
      true,
    );
    await store.save(def);
    await store.save(def, { replace: true });
    await expect(store.save(def)).rejects.toThrow(TemplateError);
    expect((await readdir(dir)).sort()).toEqual(['race.yaml', 'release_notes.yaml']);
  });
});
