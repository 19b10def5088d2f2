/**
 * The usual mistakes of a second day (issue 75): each is named as what it is, with the one next
 * step, and nothing is sent to a model for it — driven through the built server over stdio (and
 * over HTTP in the slow pass), against the fake Ollama.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
  session = await connect({ OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
});

const call = (name: string, args: Record<string, unknown>) => session.client.callTool({ name, arguments: args });
const textOf = (res: Awaited<ReturnType<typeof call>>) => (res.content as Array<{ text: string }>)[0]!.text;

describe('a blank prompt (finding 6)', () => {
  it.each([
    ['route_and_generate', { prompt: '   ' }],
    ['route_and_generate', { prompt: '\n\t ', task: 'fast' }],
    ['compare', { prompt: '  ', models: ['phi3:mini', 'llama3.2:latest'] }],
  ])('%s refuses it as blank, and no model is asked', async (tool, args) => {
    const before = fake.requests.length;
    const res = await call(tool, args);
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe(
      `The prompt is blank: ${tool} needs a task in words — what the model should do (with files, ` +
        `what to do with them).`,
    );
    expect(fake.requests.slice(before).filter((r) => /\/api\/(chat|generate)$/.test(r.path))).toEqual([]);
  });

  it('the other side: a prompt of one visible character is sent', async () => {
    const res = await call('route_and_generate', { prompt: ' ? ', task: 'fast' });
    expect(res.isError).toBeFalsy();
  });
});

describe('a prompt of characters that show nothing (issue 80, finding 8)', () => {
  // each was sent to a model and charged: a zero-width space, the Braille blank, the Hangul filler, a soft
  // hyphen, NUL, a word joiner
  const invisible = ['\u200B', '\u2800', '\u3164', '\u00AD', '\u0000', '\u2060'];
  const generations = () => fake.requests.filter((r) => /\/api\/(chat|generate)$/.test(r.path)).length;
  it.each(invisible.flatMap((c) => [[c], [` ${c}\n${c} `]]))(
    '%j is blank to every tool that takes a prompt',
    async (prompt) => {
      const before = generations();
      for (const [tool, args] of [
        ['route_and_generate', { prompt, task: 'fast' }],
        ['compare', { prompt, models: ['phi3:mini', 'llama3.2:latest'] }],
      ] as const) {
        const res = await call(tool, args);
        expect(res.isError).toBe(true);
        expect(textOf(res)).toMatch(new RegExp(`^The prompt is blank: ${tool} needs a task in words`));
      }
      expect(generations()).toBe(before);
    },
  );

  it('render_template: a template filled in with them is sent to no model', async () => {
    await call('save_template', { name: 'say', description: 'Say it', template: '{text:}' });
    const before = generations();
    const res = await call('render_template', { name: 'say', variables: { text: '\u200B\u2060' }, generate: true });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe(
      'The prompt is blank: render_template needs values in words for the "say" template\'s variables (text).',
    );
    expect(generations()).toBe(before);
  });

  it.each([['\u200Bhi'], ['👍'], ['中'], ['e\u0301']])('the other side: %j is sent', async (prompt) => {
    const res = await call('route_and_generate', { prompt, task: 'fast' });
    expect(res.isError).toBeFalsy();
  });
});

describe('a template written with {{topic}} (finding 11)', () => {
  it(
    'save_template says it stays literal and how a variable is written; render_template says so ' +
      'of the value given',
    async () => {
      const saved = await call('save_template', {
        name: 'brief',
        description: 'A brief',
        template: 'Write a brief about {{topic}}.',
      });
      expect(saved.isError).toBeFalsy();
      expect(textOf(saved)).toMatch(
        /Variables: none\.\n\{\{topic\}\} stays literal text \(\{\{ and \}\} stand for a brace\): a variable is written \{topic\}/,
      );
      const rendered = await call('render_template', { name: 'brief', variables: { topic: 'otters' } });
      expect(textOf(rendered)).toMatch(
        /^Write a brief about \{topic\}\.\n\n\(Not used by this template: topic\. \{\{topic\}\} stays literal text/,
      );
    },
  );

  it('the other side: a template with {topic} saves and renders with no such note', async () => {
    const saved = await call('save_template', {
      name: 'brief2',
      description: 'A brief',
      template: 'Write a brief about {topic}.',
    });
    expect(textOf(saved)).not.toMatch(/literal/);
    expect(textOf(await call('render_template', { name: 'brief2', variables: { topic: 'otters' } }))).toBe(
      'Write a brief about otters.',
    );
  });
});

describe('a mistyped model name (finding 5)', () => {
  it.each([
    ['show_model', { model: 'lama3.2:latest' }],
    ['smart_load', { model: 'lama3.2:latest' }],
    ['route_and_generate', { prompt: 'Say hi.', model: 'lama3.2:latest' }],
  ])('%s: "did you mean llama3.2:latest?" — and no other model answers instead', async (tool, args) => {
    const before = fake.requests.length;
    const res = await call(tool, args);
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/did you mean llama3\.2:latest\?/i);
    expect(fake.requests.slice(before).filter((r) => /\/api\/(chat|generate)$/.test(r.path))).toEqual([]);
  });

  it('the other side: the name written right answers, by that model; a name near nothing says pull it, no guess', async () => {
    const res = await call('route_and_generate', { prompt: 'Say hi.', model: 'llama3.2:latest' });
    expect(res.isError).toBeFalsy();
    expect((res.structuredContent as { model: string }).model).toBe('llama3.2:latest');
    const far = await call('show_model', { model: 'mistral-large:123b' });
    expect(textOf(far)).toMatch(/pull it with `ollama pull mistral-large:123b`/);
    expect(textOf(far)).not.toMatch(/did you mean/i);
  });
});
