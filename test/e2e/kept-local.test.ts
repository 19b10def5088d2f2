// Local by construction, end to end (issue 41): text read from this machine never reaches the
// cloud fallback unless fallback.sendInputs allows it, whatever path built the request — a
// template filled from files (one, or a glob), a compare whose model reads the file in parts —
// and compare never shows the cloud's (or another model's) answer under a model's name.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

type Session = Awaited<ReturnType<typeof connect>>;
const KILLED = 'llama-server process has terminated: signal: killed';
const MARK = 'KEPT-LOCAL-MARK';
const NOTE = `${MARK}: the quarterly numbers for the northern region are kept in the blue folder on the second shelf.`;

async function callOn(session: Session, name: string, args: Record<string, unknown>) {
  const res = await session.client.callTool({ name, arguments: args }, { timeout: 90_000 });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
}

describe('the cloud fallback never receives text read from this machine unless fallback.sendInputs allows it', () => {
  let box: FakeOllama;
  let cloud: FakeOpenAI;
  let project: string;
  const sessions: Session[] = [];
  const yaml = (sendInputs?: boolean) =>
    [
      'fallback:',
      `  baseURL: "${cloud.url}"`,
      '  model: cloud-model',
      ...(sendInputs === undefined ? [] : [`  sendInputs: ${sendInputs}`]),
      '',
    ].join('\n');
  const start = async (sendInputs?: boolean) => {
    const s = await connect({ OLLM_HOME: tempHome(yaml(sendInputs)), OLLAMA_HOST: box.host }, [], project);
    sessions.push(s);
    return s;
  };
  /** Every load and generation on the Ollama fails as a killed runner does. */
  const failEveryLoad = () => {
    for (let i = 0; i < 20; i++) box.failNext('/api/generate', 500, KILLED);
  };
  const cloudChats = () => cloud.requestsTo('/v1/chat/completions');
  /** Everything the cloud received after the `from`-th chat request. */
  const sentToCloud = (from: number) =>
    JSON.stringify(
      cloudChats()
        .slice(from)
        .map((q) => q.body),
    );

  beforeAll(async () => {
    // phi3:mini with a 2048-token window: it reads a long file in parts
    box = await FakeOllama.start({
      models: DEFAULT_MODELS.filter((m) => ['llama3.2:latest', 'phi3:mini'].includes(m.name)).map((m) =>
        m.name === 'phi3:mini' ? { ...m, contextLength: 2048 } : m,
      ),
    });
    cloud = await FakeOpenAI.start({ models: ['cloud-model'], reply: 'the cloud answers' });
    project = tempDir('ollm-kept-local-');
    writeFileSync(join(project, 'notes.md'), `# Notes\n\n${NOTE}\n`);
    mkdirSync(join(project, 'minutes'));
    writeFileSync(
      join(project, 'minutes', 'monday.md'),
      `Monday: ${MARK} the supplier contract renewal was moved to the end of the month, pending legal review.\n`,
    );
    writeFileSync(
      join(project, 'minutes', 'tuesday.md'),
      'Tuesday: the team agreed to freeze the release branch on Thursday and to ship the week after.\n',
    );
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await Promise.all([box?.stop(), cloud?.stop()]);
  });

  it(
    'render_template with variableFiles and generate, every local generation failing: refused, ' +
      'nothing sent to the cloud',
    { timeout: 90_000 },
    async () => {
      const s = await start();
      failEveryLoad();
      const before = cloudChats().length;
      const r = await callOn(s, 'render_template', {
        name: 'summarize',
        variableFiles: { text: 'notes.md' },
        generate: true,
      });
      expect(r.isError, r.text).toBe(true);
      expect(r.text).toMatch(
        /^No local model answered \(.*signal: killed.*\)\. It stopped there: the prompt holds text of notes\.md, read from this machine.*fallback\.sendInputs: true/s,
      );
      expect(cloudChats()).toHaveLength(before);
      expect(sentToCloud(before)).not.toContain(MARK);
    },
  );

  it('the same with a glob in variableFiles: every matching file is kept local', { timeout: 90_000 }, async () => {
    const s = await start();
    failEveryLoad();
    const before = cloudChats().length;
    const r = await callOn(s, 'render_template', {
      name: 'summarize',
      variableFiles: { text: 'minutes/*.md' },
      variables: { length: 'one line' },
      generate: true,
    });
    expect(r.isError, r.text).toBe(true);
    expect(r.text).toMatch(/the prompt holds text of minutes\/(monday|tuesday)\.md, read from this machine/);
    expect(cloudChats()).toHaveLength(before);
    expect(sentToCloud(before)).not.toContain(MARK);
  });

  it(
    'with fallback.sendInputs: true the same template goes to the fallback, the file in it',
    { timeout: 90_000 },
    async () => {
      const s = await start(true);
      failEveryLoad();
      const before = cloudChats().length;
      const r = await callOn(s, 'render_template', {
        name: 'summarize',
        variableFiles: { text: 'notes.md' },
        generate: true,
      });
      expect(r.isError, r.text).toBe(false);
      expect((r.out.generated as Record<string, unknown>).provider).toBe('fallback');
      expect(r.text).toContain('the cloud answers');
      expect(cloudChats()).toHaveLength(before + 1);
      expect(JSON.stringify(cloudChats().at(-1)!.body)).toContain(MARK);
    },
  );

  it(
    "a template filled with the caller's own words (nothing read from disk) still goes to the fallback",
    { timeout: 90_000 },
    async () => {
      const s = await start();
      // the file was read earlier in this process: only its text is kept local, not everything after it
      await callOn(s, 'render_template', { name: 'summarize', variableFiles: { text: 'notes.md' } });
      failEveryLoad();
      const before = cloudChats().length;
      const r = await callOn(s, 'render_template', {
        name: 'summarize',
        variables: { text: 'The weather was mild all week, with rain expected on Sunday evening.' },
        generate: true,
      });
      expect(r.isError, r.text).toBe(false);
      expect((r.out.generated as Record<string, unknown>).provider).toBe('fallback');
      expect(cloudChats()).toHaveLength(before + 1);
    },
  );

  it(
    'compare: the model reading the file in parts finds no host once Ollama dies — its column ' +
      'says so, the cloud gets nothing',
    { timeout: 90_000 },
    async () => {
      // an Ollama of its own: no failure queued by the tests above
      const own = await FakeOllama.start({
        models: DEFAULT_MODELS.filter((m) => ['llama3.2:latest', 'phi3:mini'].includes(m.name)).map((m) =>
          m.name === 'phi3:mini' ? { ...m, contextLength: 2048 } : m,
        ),
      });
      const s = await connect({ OLLM_HOME: tempHome(yaml()), OLLAMA_HOST: own.host }, [], project);
      sessions.push(s);
      // long enough that phi3:mini (2048-token window) must read it in parts; llama3.2 holds it whole
      const lines = Array.from(
        { length: 400 },
        (_, i) => `Line ${i}: ${MARK} entry ${i * 17} recorded for the audit of the northern warehouse stock.`,
      );
      writeFileSync(join(project, 'audit.log'), `${lines.join('\n')}\n`);
      // Ollama dies while llama3.2 answers
      own.reply((ctx) => {
        if (ctx.model.startsWith('llama3.2')) own.setOffline(true);
        return 'a local answer';
      });
      const before = cloudChats().length;
      try {
        const r = await callOn(s, 'compare', {
          prompt: 'Summarise this log.',
          files: ['audit.log'],
          models: ['llama3.2', 'phi3:mini'],
          maxTokens: 64,
        });
        expect(r.isError, r.text).toBe(false);
        const results = r.out.results as Array<{ model: string; text: string; error?: string }>;
        const phi = results.find((x) => x.model === 'phi3:mini')!;
        expect(phi.error, JSON.stringify(phi)).toMatch(/not reachable/);
        expect(phi.text).not.toContain('the cloud answers');
        expect(r.text).not.toContain('the cloud answers');
        expect(cloudChats()).toHaveLength(before);
        expect(sentToCloud(before)).not.toContain(MARK);
      } finally {
        await own.stop();
      }
    },
  );
});
