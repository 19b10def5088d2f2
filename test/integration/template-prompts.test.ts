import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterAll, describe, expect, it } from 'vitest';
import { TemplateLibrary } from '../../src/orchestrator/templates/index.js';
import { checkTemplatePrompts, promptProblem, registerTemplatePrompts } from '../../src/prompts/templates.js';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function libraryWith(files: Record<string, string>): Promise<TemplateLibrary> {
  const dir = await mkdtemp(join(tmpdir(), 'ollm-template-prompts-'));
  made.push(dir);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  const library = new TemplateLibrary(dir);
  await library.refresh();
  return library;
}

/** A client connected in memory to `server`; closed with the returned function. */
async function connected(server: McpServer): Promise<{ client: Client; close: () => Promise<void> }> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'ollm-test', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return { client, close: () => client.close() };
}

const ODD = 'name: odd\ndescription: Another\ntemplate: "{text}"\n';
const GREET = 'name: greet\ndescription: Greets\ntemplate: "Hi {who} in {language}"\n';
const complete = (client: Client, name: string, argument: string, value = '') =>
  client.complete({ ref: { type: 'ref/prompt', name }, argument: { name: argument, value } });

describe('templates as MCP prompts', () => {
  it('prompts have their arguments, rendering and completion', async () => {
    const library = await libraryWith({ 'greet.yaml': GREET });
    const server = new McpServer({ name: 't', version: '1' });
    registerTemplatePrompts(server, library, false);
    const { client, close } = await connected(server);
    try {
      const greet = (await client.listPrompts()).prompts.find((p) => p.name === 'greet');
      expect(Object.fromEntries((greet?.arguments ?? []).map((a) => [a.name, a.required === true]))).toEqual({
        who: true,
        language: true,
      });
      const got = await client.getPrompt({ name: 'greet', arguments: { who: 'Ada', language: 'Go' } });
      expect(got.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Hi Ada in Go' } }]);
      expect((await complete(client, 'greet', 'language', 'Ru')).completion.values).toEqual(['Rust', 'Ruby']);
      expect(library.current().problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('completion: argument and prompt names that are Object.prototype members get an empty list', async () => {
    const library = await libraryWith({ 'greet.yaml': GREET });
    const server = new McpServer({ name: 't', version: '1' });
    registerTemplatePrompts(server, library, false);
    const { client, close } = await connected(server);
    try {
      for (const argument of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'who']) {
        expect((await complete(client, 'greet', argument)).completion.values, argument).toEqual([]);
      }
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
        expect((await complete(client, name, 'language')).completion.values, name).toEqual([]);
      }
      await expect(complete(client, 'no_such_prompt', 'language')).rejects.toThrow(/not found/);
      expect((await complete(client, 'greet', 'language', 'Py')).completion.values).toEqual(['Python']);
    } finally {
      await close();
    }
  });

  it('a template whose registration throws is a listed problem; the server and the other prompts go on', async () => {
    const library = await libraryWith({ 'greet.yaml': GREET, 'odd.yaml': ODD });
    const server = new McpServer({ name: 't', version: '1' });
    server.registerPrompt('greet', { description: 'taken first' }, () => ({ messages: [] }));
    expect(() => registerTemplatePrompts(server, library, false)).not.toThrow();
    expect(library.current().problems).toEqual([
      {
        file: 'greet.yaml',
        message:
          'cannot be offered as an MCP prompt (Prompt greet is already registered); rename the ' +
          'template or fix its file',
      },
    ]);
    const { client, close } = await connected(server);
    try {
      const names = (await client.listPrompts()).prompts.map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['greet', 'odd', 'code_review']));
      expect((await client.listPrompts()).prompts.find((p) => p.name === 'greet')?.description).toBe('taken first');
    } finally {
      await close();
    }
    // A server where it registers clears the problem.
    registerTemplatePrompts(new McpServer({ name: 't', version: '1' }), library, false);
    expect(library.current().problems).toEqual([]);
  });

  it('promptProblem tries a definition on a server of its own; checkTemplatePrompts notes every failure', async () => {
    expect(promptProblem({ name: 'fine', description: 'd', template: '{constructor}' })).toBeUndefined();
    expect(promptProblem({ name: 'constructor', description: 'd', template: 'x' })).toMatch(
      /^cannot be offered as an MCP prompt \("constructor" is a name every JavaScript object already has\)/,
    );
    const library = await libraryWith({ 'greet.yaml': GREET });
    await checkTemplatePrompts(library);
    expect(library.current().problems).toEqual([]);
  });
});
