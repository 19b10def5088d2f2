import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { CLI, connect, run, serverEnv, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

type Out = {
  name: string;
  prompt: string;
  missing: unknown[];
  variables: Record<string, string>;
  ignored: string[];
  generated?: { text: string; model: string };
};
const envOf = (home: string) => ({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
const call = async (client: Client, name: string, args: Record<string, unknown>) => {
  const res = await client.callTool({ name, arguments: args });
  return {
    isError: res.isError,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Out & Record<string, unknown>,
  };
};
const render = (client: Client, args: Record<string, unknown>) => call(client, 'render_template', args);
/** Runs `fn` with a connected session and always closes it. */
async function withSession<S extends { close(): Promise<void> }>(
  session: Promise<S>,
  fn: (s: S) => Promise<void>,
): Promise<void> {
  const s = await session;
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}
const withTemplates = (files: Record<string, string>) => {
  const home = tempHome();
  mkdirSync(join(home, 'templates'));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(home, 'templates', file), text);
  return home;
};

type Elicit = {
  params: { message: string; requestedSchema: { properties: Record<string, unknown>; required?: string[] } };
};
/**
 * A client built by hand: with `answer` it can show forms (each request recorded); `promptsChanged` counts
 * list_changed notifications.
 */
async function connectCustom(home: string, answer?: (req: Elicit) => Record<string, unknown>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: serverEnv(envOf(home)),
    stderr: 'pipe',
    cwd: home,
  });
  const seen = { promptsChanged: 0 };
  const listChanged = { prompts: { autoRefresh: false, debounceMs: 0, onChanged: () => void seen.promptsChanged++ } };
  const client = new Client(
    { name: 'ollm-e2e-custom', version: '1.0.0' },
    { capabilities: answer ? { elicitation: { form: {} } } : {}, listChanged },
  );
  const asked: Elicit[] = [];
  if (answer) {
    client.setRequestHandler('elicitation/create', async (req) => {
      asked.push(req as unknown as Elicit);
      return answer(req as unknown as Elicit) as never;
    });
  }
  await client.connect(transport);
  return { client, asked, seen, close: () => client.close() };
}

const GREET =
  'name: greet\ndescription: Greet someone\ntemplate: "Say hello to {who} in {language}, {tone:warmly}."\n' +
  'variables:\n  - name: who\n    required: true\n    description: Who to greet\n  - name: ' +
  'language\n    required: true\n';

describe('render_template', () => {
  it(
    'fills code_review: default focus, explicit focus wins, values are not expanded, unused ' +
      'variables are reported',
    async () => {
      await withSession(connect(envOf(tempHome())), async (s) => {
        const code = 'fmt.Println("{x} and {{y}}")';
        const plain = await render(s.client, {
          name: 'code_review',
          variables: { language: 'Go', code, severity: 'high' },
        });
        expect(plain.isError).toBeFalsy();
        expect(plain.out.prompt).toBe(
          'Review this Go code, focusing on bugs and security.\n' +
            'For each problem, quote the line or snippet, say why it matters, and give a concrete fix. ' +
            'Order findings by severity. If nothing needs changing, say so plainly.\n\n' +
            `\`\`\`Go\n${code}\n\`\`\``,
        );
        expect(plain.out).toMatchObject({
          name: 'code_review',
          missing: [],
          variables: { language: 'Go', focus: 'bugs and security', code },
          ignored: ['severity'],
        });
        expect(plain.text).toMatch(/\(Not used by this template: severity\.\)$/);
        const focused = await render(s.client, {
          name: 'code_review',
          variables: { language: 'Go', code: 'x := 1', focus: 'performance' },
        });
        expect(focused.out.prompt).toMatch(/^Review this Go code, focusing on performance\.\n/);
        expect(focused.out.variables.focus).toBe('performance');
        expect(focused.out.ignored).toEqual([]);
      });
    },
  );

  it('without elicitation, missing required variables are an isError naming each with its description', async () => {
    await withSession(connect(envOf(tempHome())), async (s) => {
      const none = await render(s.client, { name: 'code_review' });
      expect(none.isError).toBe(true);
      expect(none.text).toContain(
        'missing 2 required variables: language (Programming language of the code, e.g. TypeScript ' +
          'or Python.); code (The code to review.)',
      );
      const one = await render(s.client, { name: 'translate', variables: { text: 'Bonjour' } });
      expect(one.isError).toBe(true);
      expect(one.text).toContain('missing a required variable: to (Language to translate into, e.g. French.)');
      expect(one.text).not.toMatch(/\btext \(/);
    });
  });

  it(
    'with an elicitation-capable client the server asks for the missing ones and uses the ' +
      'answers; a decline is an isError',
    async () => {
      await withSession(
        connectCustom(tempHome(), () => ({ action: 'accept', content: { language: 'Rust', code: 'fn main() {}' } })),
        async (yes) => {
          const r = await render(yes.client, { name: 'code_review', variables: { focus: 'style' } });
          expect(r.isError, r.text).toBeFalsy();
          expect(yes.asked).toHaveLength(1);
          const { message, requestedSchema } = yes.asked[0]!.params;
          expect(message).toBe('The "code_review" template needs language, code.');
          expect(Object.keys(requestedSchema.properties)).toEqual(['language', 'code']);
          expect(requestedSchema.required).toEqual(['language', 'code']);
          expect(requestedSchema.properties.code).toMatchObject({ type: 'string', description: 'The code to review.' });
          expect(r.out.prompt).toMatch(/^Review this Rust code, focusing on style\.\n/);
          expect(r.out.prompt).toMatch(/```Rust\nfn main\(\) \{\}\n```$/);
          expect(r.out.variables).toEqual({ language: 'Rust', focus: 'style', code: 'fn main() {}' });
        },
      );
      await withSession(
        connectCustom(tempHome(), () => ({ action: 'decline' })),
        async (no) => {
          const r = await render(no.client, { name: 'write_tests', variables: { code: 'def f(): pass' } });
          expect(no.asked).toHaveLength(1);
          expect(Object.keys(no.asked[0]!.params.requestedSchema.properties)).toEqual(['language']);
          expect(r.isError).toBe(true);
          expect(r.text).toContain(
            'missing a required variable: language (Programming language of the code, e.g. Go or Rust.)',
          );
          expect(r.text).toContain('They were not given in the form');
        },
      );
    },
  );

  it('generate: true runs the rendered prompt on the local model', async () => {
    await withSession(connect(envOf(tempHome())), async (s) => {
      fake.reply('A closure captures variables from its scope.');
      const before = fake.requests.length;
      const r = await render(s.client, {
        name: 'explain',
        variables: { topic: 'JavaScript closures' },
        generate: true,
        task: 'general',
      });
      expect(r.isError, r.text).toBeFalsy();
      expect(r.out.prompt).toMatch(
        /^Explain the following to a developer new to this topic\.\n[\s\S]*\n\nJavaScript closures$/,
      );
      expect(r.out.generated?.text).toBe('A closure captures variables from its scope.');
      const sent = fake.requests
        .slice(before)
        .filter((q) => q.path === '/api/generate' && (q.body as { prompt?: string }).prompt);
      expect(sent).toHaveLength(1);
      expect((sent[0]!.body as { prompt: string; model: string }).prompt).toBe(r.out.prompt);
      expect((sent[0]!.body as { model: string }).model).toBe(r.out.generated?.model);
    });
  });
});

describe('user templates as MCP prompts', () => {
  it('a YAML template in $OLLM_HOME/templates is a prompt with arguments, rendering and completion', async () => {
    await withSession(connect(envOf(withTemplates({ 'greet.yaml': GREET }))), async (s) => {
      const { prompts } = await s.client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(['greet', 'code_review', 'translate']));
      const greet = prompts.find((p) => p.name === 'greet')!;
      expect(greet.description).toBe('Greet someone');
      const args = Object.fromEntries((greet.arguments ?? []).map((a) => [a.name, a.required === true]));
      expect(args).toEqual({ who: true, language: true, tone: false });
      const got = await s.client.getPrompt({ name: 'greet', arguments: { who: 'Ada', language: 'Rust' } });
      expect(got.messages).toEqual([
        { role: 'user', content: { type: 'text', text: 'Say hello to Ada in Rust, warmly.' } },
      ]);
      const explicit = await s.client.getPrompt({
        name: 'greet',
        arguments: { who: 'Ada', language: 'Go', tone: 'briefly' },
      });
      expect((explicit.messages[0]!.content as { text: string }).text).toBe('Say hello to Ada in Go, briefly.');
      await expect(s.client.getPrompt({ name: 'greet', arguments: { language: 'Go' } })).rejects.toThrow(/who/);
      const done = await s.client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'language', value: 'R' },
      });
      expect(done.completion.values).toEqual(['Rust', 'Ruby']);
      const none = await s.client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'language', value: 'zz' },
      });
      expect(none.completion.values).toEqual([]);
      const py = await s.client.complete({
        ref: { type: 'ref/prompt', name: 'code_review' },
        argument: { name: 'language', value: 'py' },
      });
      expect(py.completion.values).toEqual(['Python']);
    });
  });

  it('completion also works for optional variables (their default, and known values)', async () => {
    await withSession(connect(envOf(withTemplates({ 'greet.yaml': GREET }))), async (s) => {
      const tone = await s.client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'tone', value: 'w' },
      });
      expect(tone.completion.values).toEqual(['warmly']);
      const from = await s.client.complete({
        ref: { type: 'ref/prompt', name: 'translate' },
        argument: { name: 'from', value: 'Fr' },
      });
      expect(from.completion.values).toEqual(['French']);
    });
  });

  it('broken template files are reported and do not hide the good ones', async () => {
    const home = withTemplates({
      'greet.yaml': GREET,
      'broken.yaml': 'name: broken\ndescription: [not closed\ntemplate: x\n',
      'extra.yaml': 'name: extra\ndescription: Extra\ntemplate: "Hi {who}"\ncolour: blue\n',
    });
    await withSession(connect(envOf(home)), async (s) => {
      const r = await render(s.client, { name: 'greet', variables: { who: 'Grace', language: 'Rust' } });
      expect(r.isError, r.text).toBeFalsy();
      expect(r.out.prompt).toBe('Say hello to Grace in Rust, warmly.');
      const res = await s.client.readResource({ uri: 'ollm://templates' });
      const data = JSON.parse((res.contents[0] as { text: string }).text) as {
        templates: Array<{ name: string; source: string }>;
        problems: Array<{ file: string; message: string }>;
      };
      expect(data.problems.map((p) => p.file)).toEqual(['broken.yaml', 'extra.yaml']);
      expect(data.problems[0]!.message).toMatch(/is not valid YAML/);
      expect(data.problems[1]!.message).toMatch(/unknown key "colour"/);
      expect(data.templates.find((t) => t.name === 'greet')).toMatchObject({ source: 'user' });
      expect(data.templates.map((t) => t.name)).not.toContain('extra');
    });
    const listed = await run(['template', 'list'], envOf(home));
    expect(listed.code).toBe(1);
    expect(listed.stdout).toMatch(/^ {2}greet +Greet someone \[yours\]$/m);
    expect(listed.stdout).toMatch(/^ {2}! broken\.yaml: is not valid YAML/m);
    expect(listed.stdout).toMatch(/^ {2}! extra\.yaml: unknown key "colour"/m);
  });
});

describe('save_template', () => {
  it('writes the file, announces the new prompt, refuses to overwrite without replace, and rejects path-like names', async () => {
    const home = tempHome();
    await withSession(connectCustom(home), async (s) => {
      const first = await s.client.listPrompts();
      expect(first.prompts.map((p) => p.name)).not.toContain('pr_note');
      const def = {
        name: 'pr_note',
        description: 'Describe a pull request',
        template: 'Describe this change for {audience:reviewers}:\n{diff}',
      };
      const changesBefore = s.seen.promptsChanged;
      const saved = await call(s.client, 'save_template', def);
      expect(saved.isError, saved.text).toBeFalsy();
      const file = join(home, 'templates', 'pr_note.yaml');
      expect(saved.out).toMatchObject({ name: 'pr_note', action: 'created', file, overridesBuiltin: false });
      expect(readFileSync(file, 'utf8')).toContain('name: pr_note');
      await vi.waitFor(() => expect(s.seen.promptsChanged).toBeGreaterThan(changesBefore), { timeout: 3000 });
      const after = await s.client.listPrompts();
      const note = after.prompts.find((p) => p.name === 'pr_note');
      expect(note?.description).toBe('Describe a pull request');
      expect(Object.fromEntries((note?.arguments ?? []).map((a) => [a.name, a.required === true]))).toEqual({
        audience: false,
        diff: true,
      });

      const again = await call(s.client, 'save_template', def);
      expect(again.isError).toBe(true);
      expect(again.text).toMatch(/already exists .*pass replace: true/);
      const replaced = await call(s.client, 'save_template', {
        ...def,
        template: 'Summarize {diff} for {audience:maintainers}',
        replace: true,
      });
      expect(replaced.isError, replaced.text).toBeFalsy();
      expect(replaced.out.action).toBe('replaced');
      const r = await render(s.client, { name: 'pr_note', variables: { diff: '+1 line' } });
      expect(r.out.prompt).toBe('Summarize +1 line for maintainers');

      for (const name of ['../evil', 'a/b', 'x.yaml']) {
        const bad = await call(s.client, 'save_template', { ...def, name });
        expect(bad.isError, name).toBe(true);
        expect(bad.text).toContain(`"${name}" is not a valid template name`);
      }
      expect(readdirSync(join(home, 'templates'))).toEqual(['pr_note.yaml']);
      const everything = readdirSync(home, { recursive: true }).map(String);
      expect(everything.filter((f) => /evil|b\.yaml|x\.yaml/.test(f))).toEqual([]);
      expect(existsSync(join(home, '..', 'evil.yaml'))).toBe(false);
    });
  });
});

describe('template command line', () => {
  it('template show prints the text and variables; an unknown name exits 1', async () => {
    const env = envOf(tempHome());
    const shown = await run(['template', 'show', 'code_review'], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      /^code_review — Review code for quality, focusing on bugs and security unless told otherwise\. \(built-in\)\n/,
    );
    expect(shown.stdout).toContain('Review this {language} code, focusing on {focus}.');
    expect(shown.stdout).toContain('```{language}\n{code}\n```');
    expect(shown.stdout).toContain('\nVariables:\n');
    expect(shown.stdout).toContain(
      '  language (required) — Programming language of the code, e.g. TypeScript or Python.',
    );
    expect(shown.stdout).toContain('  focus = "bugs and security" — What to look for');
    expect(shown.stdout).toContain('  code (required) — The code to review.');
    const missing = await run(['template', 'show', 'nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no template "nope"/);
    expect(missing.stdout).toBe('');
  });
});
