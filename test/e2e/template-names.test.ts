import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, E2E_TRANSPORT, run, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

// Names that every JavaScript object has and that a file name could carry (a template name starts with a
// letter or digit).
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).filter((n) => /^[A-Za-z0-9]/.test(n));
const SECRET = 'SECRET-e2e-4b1d';
// A budget small enough that the models' fit does not depend on the machine running the tests.
const YAML = 'ram:\n  budget: 8GB\n  bufferBytes: 0\n';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

const home = () => tempHome(YAML);
const envOf = (dir: string) => ({ OLLM_HOME: dir, OLLAMA_HOST: fake.host });

/**
 * A home whose templates folder holds a file per Object.prototype name, __proto__.yaml, a template using one
 * as a variable, a link to a secret outside, and one good template.
 */
function brokenHome(): string {
  const dir = home();
  const templates = join(dir, 'templates');
  mkdirSync(templates);
  for (const name of [...PROTOTYPE_NAMES, '__proto__'])
    writeFileSync(join(templates, `${name}.yaml`), `name: ${name}\ndescription: d\ntemplate: "x {a}"\n`);
  writeFileSync(join(templates, 'odd.yaml'), 'name: odd\ndescription: d\ntemplate: "{constructor} {toString:x}"\n');
  const outside = tempDir('ollm-e2e-outside-');
  writeFileSync(join(outside, 'secret.yaml'), `name: leak\ndescription: [${SECRET}\n`);
  symlinkSync(join(outside, 'secret.yaml'), join(templates, 'leak.yaml'));
  writeFileSync(
    join(templates, 'greet.yaml'),
    'name: greet\ndescription: Greet someone\ntemplate: "Say hello to {who} in {language}."\n',
  );
  return dir;
}
const BROKEN_FILES = [...PROTOTYPE_NAMES, '__proto__', 'odd', 'leak'].map((n) => `${n}.yaml`).sort();

type Call = { isError?: boolean; content: Array<{ text: string }> };
const complete = (client: Client, name: string, argument: string) =>
  client.complete({ ref: { type: 'ref/prompt', name }, argument: { name: argument, value: '' } });

describe(`template files and names that could break the server (${E2E_TRANSPORT})`, () => {
  it('save_template refuses every Object.prototype name before writing anything', async () => {
    const dir = home();
    const s = await connect(envOf(dir));
    try {
      for (const name of [...PROTOTYPE_NAMES, '__proto__']) {
        const r = (await s.client.callTool({
          name: 'save_template',
          arguments: { name, description: 'd', template: 'Hello {who}' },
        })) as Call;
        expect(r.isError, name).toBe(true);
        expect(r.content[0]!.text).toContain(`"${name}" cannot be a template name`);
      }
      const variable = (await s.client.callTool({
        name: 'save_template',
        arguments: { name: 'odd', description: 'd', template: '{constructor}' },
      })) as Call;
      expect(variable.isError).toBe(true);
      expect(variable.content[0]!.text).toContain('variable "constructor" cannot be used');
      expect(existsSync(join(dir, 'templates')) ? readdirSync(join(dir, 'templates')) : []).toEqual([]);
      const ok = (await s.client.callTool({
        name: 'save_template',
        arguments: { name: 'constructor_template', description: 'd', template: 'Hello {who}' },
      })) as Call;
      expect(ok.isError, ok.content[0]!.text).toBeFalsy();
      expect(readdirSync(join(dir, 'templates'))).toEqual(['constructor_template.yaml']);
    } finally {
      await s.close();
    }
  });

  it('a server started over such files answers initialize, tools/list and prompts/list, and reports each file', async () => {
    const dir = brokenHome();
    const s = await connect(envOf(dir)); // initialize
    try {
      const { tools } = await s.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['save_template', 'render_template', 'list_models']),
      );
      const { prompts } = await s.client.listPrompts();
      const names = prompts.map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['greet', 'code_review', 'translate']));
      for (const name of [...PROTOTYPE_NAMES, '__proto__', 'odd', 'leak']) expect(names).not.toContain(name);
      const got = await s.client.getPrompt({ name: 'greet', arguments: { who: 'Ada', language: 'Go' } });
      expect((got.messages[0]!.content as { text: string }).text).toBe('Say hello to Ada in Go.');

      const res = await s.client.readResource({ uri: 'ollm://templates' });
      const text = (res.contents[0] as { text: string }).text;
      const data = JSON.parse(text) as { problems: Array<{ file: string; message: string }> };
      expect(data.problems.map((p) => p.file).sort()).toEqual(BROKEN_FILES);
      expect(data.problems.find((p) => p.file === 'leak.yaml')?.message).toBe(
        'is a link to outside the templates folder; not followed (copy the file into the folder instead)',
      );
      expect(data.problems.find((p) => p.file === 'constructor.yaml')?.message).toContain(
        '"constructor" cannot be a template name',
      );
      expect(text).not.toContain(SECRET);

      const render = (await s.client.callTool({
        name: 'render_template',
        arguments: { name: 'constructor' },
      })) as Call;
      expect(render.isError).toBe(true);
      expect(render.content[0]!.text).toContain('"constructor" cannot be a template name');
    } finally {
      await s.close();
    }
  });

  it('completion/complete with Object.prototype names, as arguments or prompts, returns an empty list', async () => {
    const s = await connect(envOf(home()));
    try {
      for (const argument of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect((await complete(s.client, 'code_review', argument)).completion.values, argument).toEqual([]);
      }
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect((await complete(s.client, name, 'language')).completion.values, name).toEqual([]);
      }
      const resource = await s.client.complete({
        ref: { type: 'ref/resource', uri: 'ollm://models/{+name}' },
        argument: { name: 'constructor', value: 'a' },
      });
      expect(resource.completion.values).toEqual([]);
      expect((await complete(s.client, 'code_review', 'language')).completion.values).toContain('TypeScript');
    } finally {
      await s.close();
    }
  });

  // The command line is the same whatever the transport: run once.
  it.skipIf(E2E_TRANSPORT !== 'stdio')(
    'doctor warns of each broken template (and still exits 0); template list shows them',
    async () => {
      const dir = brokenHome();
      const r = await run(['doctor', '--json'], envOf(dir));
      const report = JSON.parse(r.stdout) as {
        ok: boolean;
        checks: Array<{ name: string; level: string; detail: string; fix?: string }>;
      };
      const warned = report.checks.filter((c) => c.name === 'Template');
      expect(warned.map((c) => c.detail.split(':')[0]).sort()).toEqual(BROKEN_FILES);
      expect(warned.every((c) => c.level === 'warn' && c.fix?.includes('ollm-mcp template list'))).toBe(true);
      expect(report.checks.find((c) => c.name === 'Templates')).toMatchObject({
        level: 'ok',
        detail: expect.stringContaining('1 of them yours'),
      });
      expect(report.ok).toBe(true);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(SECRET);

      const text = await run(['doctor'], envOf(dir));
      expect(text.stdout).toMatch(
        /^ {2}! Template: leak\.yaml: is a link to outside the templates folder; not followed/m,
      );
      // each broken template is a warning (the fake's models may add their own)
      expect(Number(/Nothing stops ollm-mcp; (\d+) warnings above\./.exec(text.stdout)?.[1])).toBeGreaterThanOrEqual(
        BROKEN_FILES.length,
      );
      expect(text.stdout.match(/^ {2}! Template: /gm)).toHaveLength(BROKEN_FILES.length);
      expect(text.stdout).not.toContain('All is well.');

      const listed = await run(['template', 'list'], envOf(dir));
      expect(listed.code).toBe(1);
      expect(listed.stdout).toMatch(/^ {2}greet +Greet someone \[yours\]$/m);
      for (const file of BROKEN_FILES) expect(listed.stdout).toContain(`  ! ${file}: `);
      expect(listed.stdout + listed.stderr).not.toContain(SECRET);
    },
  );
});
