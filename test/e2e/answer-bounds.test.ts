import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { connect, E2E_TRANSPORT, run, tempHome } from '../helpers/spawn.js';

const ENTRIES = 60;
const VALUE_CHARS = 90_000;
/** Entry i's value: its number, then filler, so each is told apart and its whole length checked. */
const valueOf = (i: number) => `value ${i} `.padEnd(VALUE_CHARS, String.fromCharCode(97 + (i % 26)));
/** Past the largest memory.maxValueChars (100,000): recall with key shows 100,000 characters of it. */
const HUGE = 'z'.repeat(150_000);
const TOTAL = ENTRIES + 1;

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
  const home = tempHome('memory:\n  maxValueChars: 100000\n'); // values this long may be remembered
  const at = Date.parse('2026-01-01T00:00:00Z');
  const entries = Array.from({ length: ENTRIES }, (_, i) => ({
    key: `note ${i}`,
    value: valueOf(i),
    category: 'fact',
    createdAt: new Date(at + i * 1000).toISOString(),
  }));
  // longer than any setting allows: only the memory.json of an earlier version (imported whole, nothing lost)
  // can hold one
  writeFileSync(
    join(home, 'memory.json'),
    JSON.stringify({
      version: 1,
      entries: [{ key: 'oversized', value: HUGE, category: 'context', createdAt: '2025-01-01T00:00:00.000Z' }],
    }),
  );
  const file = join(home, 'seed.json');
  writeFileSync(
    file,
    JSON.stringify({ version: 1, entries: [...entries, { key: 'too long to import', value: HUGE, category: 'fact' }] }),
  );
  const seeded = await run(['memory', 'import', file], { OLLM_HOME: home, OLLAMA_HOST: fake.host });
  expect(seeded.stdout + seeded.stderr).toMatch(
    /Imported: 60 added, 0 updated, 0 already up to date, 1 longer than memory\.maxValueChars \(100000 characters; left out/,
  );
  session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
}, 60_000);
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

type Cut = { leftOut: number; shortened: number; note: string };
type Entry = { key: string; value: string };

const recall = async (args: Record<string, unknown>) => {
  const res = await session.client.callTool({ name: 'recall', arguments: args });
  const out = res.structuredContent as { entries: Entry[]; total: number; cut?: Cut };
  return {
    bytes: Buffer.byteLength(JSON.stringify(res)),
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out,
    isError: res.isError === true,
  };
};

/**
 * The text and the structured part each stay within 32,000 characters; the whole answer, envelope included,
 * well under 70 KB.
 */
const ANSWER_BYTES = 70_000;

describe(`every answer is bounded (${E2E_TRANSPORT})`, () => {
  it(
    'recall with no arguments: the newest entries that fit, each value cut at 4,000 characters, ' +
      'and a note on the rest',
    async () => {
      const res = await recall({});
      expect(res.isError).toBe(false);
      expect(res.bytes).toBeLessThan(ANSWER_BYTES);
      const shown = res.out.entries;
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.length).toBeLessThan(10);
      expect(shown[0]!.key).toBe('note 59'); // newest first
      for (const e of shown) expect(e.value).toBe(`${valueOf(Number(e.key.slice(5))).slice(0, 4000)}…`);
      expect(res.out.cut).toEqual({ leftOut: 10 - shown.length, shortened: shown.length, note: expect.any(String) });
      expect(res.out.total).toBe(TOTAL);
      const note =
        `To keep this answer short, ${10 - shown.length} entries left out and ${shown.length} ` +
        `entries shown with the value cut at 4000 characters: recall with key shows one entry ` +
        `whole, a query or category narrows the list, and \`npx ollm-mcp memory export\` writes ` +
        `every entry.`;
      expect(res.out.cut!.note).toBe(note);
      expect(res.text.endsWith(`\n\n${note}`)).toBe(true);
      expect(res.text.startsWith(`The ${shown.length} most recent of 61 entries:\n- note 59 (fact): value 59 `)).toBe(
        true,
      );
    },
  );

  it('recall with a query and the highest limit is bounded the same way', async () => {
    const res = await recall({ query: 'value note', limit: 100 });
    expect(res.isError).toBe(false);
    expect(res.bytes).toBeLessThan(ANSWER_BYTES);
    const shown = res.out.entries.length;
    expect(shown).toBeGreaterThan(0);
    expect(res.out.cut).toMatchObject({ leftOut: ENTRIES - shown, shortened: shown });
    expect(res.text).toContain(`${ENTRIES - shown} entries left out`);
  });

  it('recall with key gives the one value whole', async () => {
    const res = await recall({ key: 'note 7' });
    expect(res.out.entries).toHaveLength(1);
    expect(res.out.entries[0]!.value).toBe(valueOf(7));
    expect(res.out.cut).toBeUndefined();
    expect(res.text).toBe(`note 7: ${valueOf(7)}`);
  });

  it('recall with a key not remembered shows close matches with their values cut', async () => {
    const res = await recall({ key: 'note' });
    expect(res.out.entries).toEqual([]);
    expect(res.text).toMatch(/^Nothing is remembered under "note"\. Close matches:\n- note \d+ \(fact\): value \d+ /);
    expect(
      res.text.endsWith(
        'To keep this answer short, 3 entries shown with the value cut at 4000 characters: recall ' +
          'with key shows one entry whole, a query or category narrows the list, and `npx ollm-mcp ' +
          'memory export` writes every entry.',
      ),
    ).toBe(true);
    expect(res.bytes).toBeLessThan(20_000);
  });

  it(
    'recall with key cuts a value past 100,000 characters (only an import can make one) and ' +
      'says where it is whole',
    async () => {
      const res = await recall({ key: 'oversized' });
      expect(res.out.entries[0]!.value).toBe(`${HUGE.slice(0, 100_000)}…`);
      const note =
        'To keep this answer short, 1 entry shown with the value cut at 100000 characters: `npx ' +
        'ollm-mcp memory export` writes every value whole.';
      expect(res.out.cut).toEqual({ leftOut: 0, shortened: 1, note });
      expect(res.text).toBe(`oversized: ${HUGE.slice(0, 100_000)}…\n\n${note}`);
    },
  );

  it('the ollm://memory resource is bounded, says what it left out, and counts every entry', async () => {
    const read = await session.client.readResource({ uri: 'ollm://memory' });
    const text = (read.contents[0] as { text: string }).text;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(128_000);
    const data = JSON.parse(text) as { count: number; entries: Entry[]; cut: Cut };
    expect(data.count).toBe(TOTAL);
    expect(data.entries.length).toBeGreaterThan(10);
    expect(data.entries.length).toBeLessThan(ENTRIES);
    expect(data.entries[0]!.value).toBe(`${valueOf(59).slice(0, 4000)}…`);
    expect(data.cut).toEqual({
      leftOut: TOTAL - data.entries.length,
      shortened: data.entries.length,
      note:
        `To keep this answer short, ${TOTAL - data.entries.length} entries left out and ` +
        `${data.entries.length} entries shown with the value cut at 4000 characters: the recall ` +
        `tool with key shows one entry whole, and \`npx ollm-mcp memory export\` writes every entry.`,
    });
  });
});

describe(`list_models with hundreds of models (${E2E_TRANSPORT})`, () => {
  it(
    'lists the models that fit one answer, counts every one, and says how to see the rest; so ' +
      'does ollm://models/database',
    async () => {
      const many = await FakeOllama.start({
        memoryBytes: 24e9,
        models: Array.from({ length: 400 }, (_, i) => ({
          ...DEFAULT_MODELS[0]!,
          name: `model-${String(i).padStart(3, '0')}:latest`,
        })),
      });
      const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: many.host });
      try {
        const res = await s.client.callTool({ name: 'list_models', arguments: {} });
        const text = (res.content as Array<{ text: string }>)[0]!.text;
        const out = res.structuredContent as { models: Array<{ name: string }>; cut: Cut };
        expect(res.isError, text).toBeFalsy();
        expect(Buffer.byteLength(JSON.stringify(res))).toBeLessThan(ANSWER_BYTES);
        const shown = out.models.length;
        expect(shown).toBeGreaterThan(10);
        expect(shown).toBeLessThan(400);
        expect(out.cut).toEqual({
          leftOut: 400 - shown,
          shortened: 0,
          note:
            `To keep this answer short, ${400 - shown} models left out: show_model describes any one ` +
            `model by name, and \`ollama list\` on each host lists every one.`,
        });
        expect(text).toMatch(/^Ollama at .+: 400 models installed, /);
        expect(text.split('\n').filter((l) => l.startsWith('- model-'))).toHaveLength(shown);
        expect(text.endsWith(out.cut.note)).toBe(true);

        const read = await s.client.readResource({ uri: 'ollm://models/database' });
        const db = (read.contents[0] as { text: string }).text;
        expect(db.length).toBeLessThanOrEqual(128_000);
        const data = JSON.parse(db) as { patterns: unknown[]; installed: Array<{ name: string }>; cut: Cut };
        expect(data.patterns.length).toBeGreaterThan(10); // the built-in table, whole
        expect(data.installed.length).toBeGreaterThan(10);
        expect(data.cut).toEqual({
          leftOut: 400 - data.installed.length,
          shortened: 0,
          note:
            `To keep this answer short, ${400 - data.installed.length} installed models left out: ` +
            `ollm://models/{name} describes any one model, and \`ollama list\` on each host lists every one.`,
        });
      } finally {
        await s.close();
        await many.stop();
      }
    },
    60_000,
  );
});

describe(`resources that grow with the user's files (${E2E_TRANSPORT})`, () => {
  it(
    'ollm://templates with 40 long templates: each text cut at 4,000 characters, the list ' +
      'within 128,000, and a note on the rest',
    async () => {
      const home = tempHome();
      mkdirSync(join(home, 'templates'));
      for (let i = 0; i < 40; i++)
        writeFileSync(
          join(home, 'templates', `long-${i}.yaml`),
          `name: long-${i}\ndescription: Long template ${i}\ntemplate: "Review {file} ${'word '.repeat(3_000)}"\n`,
        );
      const s = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
      try {
        const read = await s.client.readResource({ uri: 'ollm://templates' });
        const text = (read.contents[0] as { text: string }).text;
        expect(text.length).toBeLessThanOrEqual(128_000);
        const data = JSON.parse(text) as {
          templates: Array<{ name: string; template: string; source: string }>;
          cut: Cut;
          problems: unknown[];
        };
        const mine = data.templates.filter((t) => t.source === 'user');
        expect(mine.length).toBeGreaterThan(5);
        for (const t of mine) expect(t.template).toBe(`${`Review {file} ${'word '.repeat(3_000)}`.slice(0, 4_000)}…`);
        const shown = data.templates.length;
        expect(data.cut.shortened).toBe(mine.length);
        expect(data.cut.leftOut).toBeGreaterThan(0);
        expect(data.cut.note).toBe(
          `To keep this answer short, ${data.cut.leftOut} templates left out and ${mine.length} ` +
            `templates shown with the template text cut at 4000 characters: \`npx ollm-mcp template ` +
            `show NAME\` prints one whole, and \`npx ollm-mcp template list\` lists every one.`,
        );
        expect(shown + data.cut.leftOut).toBeGreaterThan(40); // the built-in ones as well
        expect(data.problems).toEqual([]);
      } finally {
        await s.close();
      }
    },
    60_000,
  );
});
