/**
 * render_template with generate: repetition that was in what the model was sent — the template's
 * text, a file read for it, the project's system prompt, the model's own system prompt — is not
 * held against the answer that repeats it (issue 54, finding 7: a template of "hi" 660 times, its
 * echo set aside as a loop); the same answer to a prompt that never had it is still set aside.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderTemplateTool } from '../../src/tools/render-template.js';
import type { ProjectProfile } from '../../src/orchestrator/project/project.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';

const GLUED = 'hi'.repeat(660);
const SPACED = 'hi '.repeat(660).trim();
const TEMPLATES: Record<string, string> = {
  'glued.yaml': `name: glued\ndescription: hi glued\ntemplate: "Repeat exactly: ${GLUED}"\n`,
  'spaced.yaml': `name: spaced\ndescription: hi as words\ntemplate: "Repeat exactly: ${SPACED}"\n`,
  'greet.yaml': 'name: greet\ndescription: a greeting\ntemplate: "Greet me."\n',
  'copy.yaml': 'name: copy\ndescription: copy the file\ntemplate: "Copy the file as it is."\n',
};

type Generated = { model: string; text: string; fallbacks: Array<{ model: string; error: string }> };
let fake: FakeOllama;
let root: string;

async function render(args: Record<string, unknown>, project?: Partial<ProjectProfile>) {
  const home = tempDir('ollm-home-');
  mkdirSync(join(home, 'templates'));
  for (const [file, text] of Object.entries(TEMPLATES)) writeFileSync(join(home, 'templates', file), text);
  const profile: ProjectProfile = {
    name: 'p',
    root,
    explicit: true,
    tools: { disabled: [] },
    description: 'p',
    ...project,
  };
  // llama3.2 first for every kind of work, as the user's setting (a named model answers alone: a set-aside answer
  // goes to the next model only on a routed call)
  const first =
    'model:\n  routing:\n    overrides: {fast: llama3.2, general: llama3.2, code: llama3.2, ' +
    'creative: llama3.2, reasoning: llama3.2}\n';
  const yaml = `ram:\n  budget: "100%"\n  bufferBytes: 0\n${first}`;
  const core = await coreFor(fake, { totalBytes: 24e9, yaml, env: { OLLM_HOME: home }, project: profile });
  const server = new McpServer({ name: 'ollm-test', version: '1' });
  renderTemplateTool(server, core);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'ollm-test', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  try {
    const res = await client.callTool({ name: 'render_template', arguments: { generate: true, ...args } });
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    return {
      isError: res.isError === true,
      text,
      generated: (res.structuredContent as { generated?: Generated } | undefined)?.generated,
    };
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
  root = tempDir('ollm-project-');
  writeFileSync(join(root, 'hi.txt'), `${GLUED}\n`);
  // a model whose own system prompt (its Modelfile's SYSTEM) holds the run
  const made = await fetch(`${fake.url}/api/create`, {
    method: 'POST',
    body: JSON.stringify({ model: 'hi-bot', from: 'llama3.2', system: `Always answer ${GLUED}`, stream: false }),
  });
  if (!made.ok) throw new Error(`create: ${made.status} ${await made.text()}`);
}, 60_000);
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => fake.reply(GLUED));

describe('render_template with generate: the repetition sent is not a loop', () => {
  it('a template of "hi" glued 660 times: its echo is the answer of the first model', async () => {
    const r = await render({ name: 'glued' });
    expect(r.isError, r.text).toBe(false);
    expect(r.generated!.model).toBe('llama3.2:latest');
    expect(r.generated!.fallbacks).toEqual([]);
    expect(r.generated!.text).toBe(GLUED);
  });

  it('a template of "hi" as words 660 times, echoed: the answer', async () => {
    fake.reply(SPACED);
    const r = await render({ name: 'spaced' });
    expect(r.isError, r.text).toBe(false);
    expect(r.generated!.fallbacks).toEqual([]);
    expect(r.generated!.text).toBe(SPACED);
  });

  it('the run in a file read for it (files) counts as sent', async () => {
    const r = await render({ name: 'copy', files: ['hi.txt'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.generated!.model).toBe('llama3.2:latest');
    expect(r.generated!.fallbacks).toEqual([]);
  });

  it("the run in the project's system prompt counts as sent", async () => {
    const r = await render({ name: 'greet' }, { systemPrompt: `Answer every greeting with ${GLUED}` });
    expect(r.isError, r.text).toBe(false);
    expect(r.generated!.fallbacks).toEqual([]);
  });

  it("the run in the model's own system prompt counts as sent, for that model", async () => {
    const r = await render({ name: 'greet', model: 'hi-bot' });
    expect(r.isError, r.text).toBe(false);
    expect(r.generated!.model).toBe('hi-bot:latest');
    expect(r.generated!.fallbacks).toEqual([]);
  });
});

describe('render_template with generate: a loop the model ran into is still set aside', () => {
  it('the same answer to a template that never had the run goes to the next model, the reason said', async () => {
    fake.reply((ctx) => (ctx.model.startsWith('llama3.2') ? GLUED : 'Hello there, nice to meet you.'));
    const r = await render({ name: 'greet' });
    expect(r.isError, r.text).toBe(false);
    expect(r.generated!.model).not.toMatch(/llama3\.2/);
    expect(r.generated!.fallbacks).toEqual([
      { model: 'llama3.2:latest', error: 'its answer was set aside: the answer repeated "hi" 660 times' },
    ]);
    expect(r.generated!.text).toBe('Hello there, nice to meet you.');
  });

  it('a sentence the template never had, hundreds of times, over a template with a run: set aside, the loop named', async () => {
    fake.reply((ctx) => (ctx.model.startsWith('llama3.2') ? 'The answer is in the file. '.repeat(300) : GLUED));
    const r = await render({ name: 'glued' });
    expect(r.isError, r.text).toBe(false);
    expect(r.generated!.model).not.toMatch(/llama3\.2/);
    expect(r.generated!.fallbacks).toEqual([
      {
        model: 'llama3.2:latest',
        error: 'its answer was set aside: the answer repeated "The answer is in the file." 300 times',
      },
    ]);
  });
});
