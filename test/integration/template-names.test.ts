import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  renderTemplate,
  TemplateError,
  TemplateLibrary,
  TemplateStore,
  validateTemplate,
} from '../../src/orchestrator/templates/index.js';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ollm-template-names-'));
  made.push(dir);
  return dir;
}

/** Every name an object has through Object.prototype, __proto__ among them. */
const PROTOTYPE_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
/** The ones a file name could otherwise carry (a template name starts with a letter or digit). */
const PLAIN_PROTOTYPE_NAMES = PROTOTYPE_NAMES.filter((n) => /^[A-Za-z0-9]/.test(n));
const def = (name: string) => ({ name, description: 'd', template: 'Hello {who}' });

describe('names every JavaScript object has', () => {
  it('covers the names that matter', () => {
    expect(PLAIN_PROTOTYPE_NAMES).toEqual(
      expect.arrayContaining([
        'constructor',
        'toString',
        'valueOf',
        'hasOwnProperty',
        'isPrototypeOf',
        'toLocaleString',
      ]),
    );
  });

  it.each(PROTOTYPE_NAMES)('save refuses %j and writes nothing', async (name) => {
    const dir = join(await tempDir(), 'templates');
    const store = new TemplateStore(dir);
    const error = await store.save(def(name)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toContain(`"${name}"`);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it.each(PLAIN_PROTOTYPE_NAMES)('the refusal of %j says why and what to use instead', (name) => {
    expect(() => validateTemplate(def(name))).toThrow(
      `"${name}" cannot be a template name: every JavaScript object has a property of that name ` +
        `(Object.prototype.${name}), so MCP servers would confuse the prompt with it; choose ` +
        `another name, such as "${name}_template"`,
    );
    expect(() => validateTemplate(def(`${name}_template`))).not.toThrow();
  });

  it('files on disk named after them are problems, and the other templates still load', async () => {
    const dir = await tempDir();
    for (const name of PLAIN_PROTOTYPE_NAMES)
      await writeFile(join(dir, `${name}.yaml`), `name: ${name}\ndescription: d\ntemplate: "x {a}"\n`);
    await writeFile(join(dir, '__proto__.yaml'), 'name: __proto__\ndescription: d\ntemplate: x\n');
    await writeFile(join(dir, 'greet.yaml'), 'name: greet\ndescription: Greets\ntemplate: "Hi {who}"\n');
    const library = new TemplateLibrary(dir);
    const { templates, problems } = await library.refresh();
    expect(templates.find((t) => t.name === 'greet')?.source).toBe('user');
    for (const name of [...PLAIN_PROTOTYPE_NAMES, '__proto__'])
      expect(templates.map((t) => t.name)).not.toContain(name);
    expect(problems.map((p) => p.file).sort()).toEqual(
      [...PLAIN_PROTOTYPE_NAMES, '__proto__'].map((n) => `${n}.yaml`).sort(),
    );
    for (const p of problems)
      expect(p.message).toMatch(
        /^the file name cannot name a template \(".+" cannot be a template name: .*\); rename the file$/,
      );
    await expect(library.lookup('constructor')).rejects.toThrow(/"constructor" cannot be a template name/);
  });

  it('a template named after one inside a file of another name is refused too', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'tostring.yaml'), 'name: toString\ndescription: d\ntemplate: x\n');
    const { problems } = await new TemplateStore(dir).list();
    expect(problems).toEqual([
      { file: 'tostring.yaml', message: expect.stringContaining('"toString" cannot be a template name') as string },
    ]);
  });
});

describe('variable names', () => {
  it.each(PROTOTYPE_NAMES.filter((n) => /^[A-Za-z_]/.test(n)))(
    '%j is refused, in the text or in the list, with what to use instead',
    (name) => {
      const instead = `${name.replace(/^_+|_+$/g, '')}_value`;
      const why =
        `variable "${name}" cannot be used: every JavaScript object has a property of that name ` +
        `(Object.prototype.${name}), so a value left out would still seem given; rename it, e.g. ` +
        `{${instead}}`;
      expect(() => validateTemplate({ name: 'p', description: 'd', template: `x {${name}}` })).toThrow(why);
      expect(() =>
        validateTemplate({
          name: 'p',
          description: 'd',
          template: `x {${name}:y}`,
          variables: [{ name, default: 'z' }],
        }),
      ).toThrow(why);
      expect(() => validateTemplate({ name: 'p', description: 'd', template: `x {${instead}}` })).not.toThrow();
    },
  );

  it('a file using one is a problem, not a crash', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'odd.yaml'), 'name: odd\ndescription: d\ntemplate: "{constructor} {toString:x}"\n');
    const { templates, problems } = await new TemplateStore(dir).list();
    expect(templates.map((t) => t.name)).not.toContain('odd');
    expect(problems).toEqual([
      {
        file: 'odd.yaml',
        message: expect.stringMatching(
          /^variable "constructor" cannot be used: .*; variable "toString" cannot be used: /,
        ) as string,
      },
    ]);
  });

  it('rendering alone (no definition check) still keeps such names as ordinary keys', () => {
    expect(
      renderTemplate({ template: '{constructor} {toString} {hasOwnProperty:h}' }, { constructor: 'c', toString: 't' })
        .prompt,
    ).toBe('c t h');
  });
});

describe('saving checks everything before writing', () => {
  it('a vetting check that refuses leaves no file, no folder and no temp file', async () => {
    const dir = join(await tempDir(), 'templates');
    const store = new TemplateStore(dir);
    await expect(store.save(def('fine'), { vet: () => 'it cannot be offered' })).rejects.toThrow(
      'The template "fine" was not saved: it cannot be offered',
    );
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    await mkdir(dir);
    await expect(store.save(def('fine'), { vet: () => 'no' })).rejects.toThrow(TemplateError);
    expect(await readdir(dir)).toEqual([]);
    await store.save(def('fine'), { vet: () => undefined });
    expect(await readdir(dir)).toEqual(['fine.yaml']);
  });

  it('once written, a save stands even when a listener fails; the others still hear of it', async () => {
    const dir = await tempDir();
    const library = new TemplateLibrary(dir);
    await library.refresh();
    const heard: string[][] = [];
    library.onChange(() => {
      throw new Error('listener broke');
    });
    library.onChange((templates) => heard.push(templates.map((t) => t.name)));
    const saved = await library.save(def('greet'));
    expect(saved.action).toBe('created');
    expect(heard.at(-1)).toContain('greet');
    expect((await library.lookup('greet')).template?.description).toBe('d');
  });

  it('a noted problem is listed with the file until cleared, and only while the template exists', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'greet.yaml'), 'name: greet\ndescription: Greets\ntemplate: "Hi {who}"\n');
    const library = new TemplateLibrary(dir);
    const { templates } = await library.refresh();
    const greet = templates.find((t) => t.name === 'greet')!;
    expect(library.note(greet, 'cannot be offered')).toBe(true);
    expect(library.note(greet, 'cannot be offered')).toBe(false);
    expect(library.current().problems).toEqual([{ file: 'greet.yaml', message: 'cannot be offered' }]);
    expect((await library.lookup('greet')).problems).toEqual([{ file: 'greet.yaml', message: 'cannot be offered' }]);
    library.clearNote('greet');
    expect(library.current().problems).toEqual([]);
    library.note(greet, 'again');
    await rm(join(dir, 'greet.yaml'));
    expect((await library.refresh()).problems).toEqual([]);
  });
});
