/**
 * The built server with files under $OLLM_HOME that could hold it up or lead it astray: a FIFO as
 * config.yaml or as a template, a rendered template far too long for any message or context, and
 * a templates folder on a read-only or full disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, run, tempHome } from '../helpers/spawn.js';
import { fillDisk, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});
afterEach(() => unmountTmpfs());

const envOf = (home: string) => ({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
const call = async (client: Client, name: string, args: Record<string, unknown>) => {
  const res = await client.callTool({ name, arguments: args });
  return { isError: res.isError === true, text: (res.content as Array<{ text: string }>)[0]!.text };
};
async function withServer(home: string, fn: (client: Client) => Promise<void>): Promise<void> {
  const s = await connect(envOf(home));
  try {
    await fn(s.client);
  } finally {
    await s.close();
  }
}

/** A home whose templates folder holds `files`. */
function homeWith(files: Record<string, string>): string {
  const home = tempHome();
  mkdirSync(join(home, 'templates'));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(home, 'templates', file), text);
  return home;
}

/** A template that puts {a} in `times` places. */
const repeating = (times: number) =>
  `name: rep\ndescription: Repeats a\ntemplate: "${Array.from({ length: times }, () => '{a}').join('\\n')}"\n`;

describe('a FIFO under $OLLM_HOME', () => {
  it(
    'as config.yaml: the server refuses to start, saying why and what to do, instead of waiting ' +
      'for a writer for good',
    async () => {
      const home = tempHome();
      execFileSync('mkfifo', [join(home, 'config.yaml')]);
      const r = await run([], envOf(home));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `ollm-mcp: Settings file ${join(home, 'config.yaml')} is not a regular file (a FIFO, a ` +
          `device or a socket), so it is not opened — replace it with a plain YAML file, or remove it.`,
      );
      expect(r.stdout).toBe('');
    },
  );

  it('as a template: a problem of that file, and the server goes on serving the others', async () => {
    const home = homeWith({ 'hello.yaml': 'name: hello\ndescription: Says hello\ntemplate: "Hello {who}"\n' });
    execFileSync('mkfifo', [join(home, 'templates', 'pipe.yaml')]);
    await withServer(home, async (client) => {
      const missing = await call(client, 'render_template', { name: 'pipe' });
      expect(missing.isError).toBe(true);
      expect(missing.text).toContain(
        'pipe.yaml is not a regular file (a FIFO, a device or a socket), so it is not read; replace ' +
          'it with a plain YAML file or remove it.',
      );
      const hello = await call(client, 'render_template', { name: 'hello', variables: { who: 'you' } });
      expect(hello).toEqual({ isError: false, text: 'Hello you' });
    });
  });
});

describe('render_template is bounded', () => {
  it(
    'a template filled past 1,000,000 characters is refused with its size and the variable that ' +
      'makes it so, with generate or without',
    async () => {
      const home = homeWith({ 'rep.yaml': repeating(20) });
      await withServer(home, async (client) => {
        const before = fake.generations().length;
        for (const generate of [false, true]) {
          const r = await call(client, 'render_template', {
            name: 'rep',
            variables: { a: 'x'.repeat(60_000) },
            generate,
          });
          expect(r.isError).toBe(true);
          expect(r.text).toMatch(
            /^The "rep" template was not filled in: it would be 1,200,019 characters, more than the 1,000,000 a filled-in template may be; \{a\} alone adds 1,200,000 \(20 times, 60,000 characters each\) — give shorter values, or with generate: true name long text by path in files/,
          );
          expect(r.text).not.toMatch(/bug|Invalid string length/);
        }
        expect(fake.generations().length).toBe(before);
      });
    },
  );

  it('with generate, a prompt longer than every installed context is refused before anything is sent to a model', async () => {
    const home = homeWith({ 'rep.yaml': repeating(6) });
    await withServer(home, async (client) => {
      const before = fake.generations().length;
      const r = await call(client, 'render_template', {
        name: 'rep',
        variables: { a: 'word '.repeat(30_000) },
        generate: true,
      });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(
        /The prompt needs about \d+ tokens plus \d+ for the answer, but the largest context window a model can use here now is \d+( \(trained for up to 131072; memory holds less\))? — pass long inputs by path \(files, diff\)/,
      );
      expect(fake.generations().length).toBe(before);
    });
  });
});

describe('save_template on a disk that cannot take it', () => {
  it('a read-only templates folder: a disk error with what to do, never "a bug in ollm-mcp"', async (ctx) => {
    const home = tempHome();
    mkdirSync(join(home, 'templates'));
    if (!mountTmpfs(join(home, 'templates'), { sizeBytes: 1 << 20, readOnly: true })) ctx.skip();
    await withServer(home, async (client) => {
      const r = await call(client, 'save_template', { name: 'greet', description: 'Greets', template: 'Hello {who}' });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(
        /^The template "greet" was not saved: .*templates is on a read-only disk or folder \(EROFS\), so nothing can be written there — make it writable/,
      );
      expect(r.text).not.toMatch(/bug/);
    });
  });

  it('a full disk: a disk error with what to do', async (ctx) => {
    const home = tempHome();
    const dir = join(home, 'templates');
    mkdirSync(dir);
    if (!mountTmpfs(dir, { sizeBytes: 1 << 20 })) ctx.skip();
    fillDisk(dir);
    await withServer(home, async (client) => {
      const r = await call(client, 'save_template', {
        name: 'greet',
        description: 'Greets',
        template: `Hello {who} ${'x'.repeat(8000)}`,
      });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(
        /^The template "greet" was not saved: The disk holding .*templates is full \(ENOSPC\), so it could not be written — free some space/,
      );
      expect(r.text).not.toMatch(/bug/);
    });
  });
});
