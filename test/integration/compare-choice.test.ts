// compare's own decisions (issue 21, point 6): which models it compares when none are named, what
// it says happened, and that a comparison's id outlives the process that ran it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { compare } from '../../src/orchestrator/jobs/compare.js';
import { defaultCandidates, describeRun } from '../../src/orchestrator/generation/compare-choice.js';
import { COMPARISONS_FILE, Comparisons, KEEP_COMPARISONS } from '../../src/orchestrator/stores/comparisons.js';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { renderComparison } from '../../src/tools/compare.js';
import { DEFAULT_MODELS, FakeOllama, NAMESPACED_MODELS, type FakeModel } from '../fake-ollama/server.js';
import { coreFor, fakeMemory } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
const HAIKU = 'Write a haiku about autumn leaves.';
const byName = (name: string): FakeModel => [...DEFAULT_MODELS, ...NAMESPACED_MODELS].find((m) => m.name === name)!;
const llama31 = byName('llama3.1:8b');
/** The same weights as llama3.1:8b under a stranger's namespace (same digest). */
const copy: FakeModel = { ...llama31, name: 'someuser/llama3.1:8b' };
/** A different upload under another namespace. */
const upload: FakeModel = {
  ...byName('someuser/llama3.1:8b'),
  name: 'otheruser/mistral-tune:7b',
  family: 'mistral',
  digest: 'c'.repeat(64),
};

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function setup(models: FakeModel[], memoryBytes = 32e9) {
  fake = await FakeOllama.start({ memoryBytes, models, tokenDelayMs: 1 });
  return coreFor(fake, { totalBytes: memoryBytes, yaml: YAML });
}

/** The comparison ids stored in `home`'s state database, oldest first. */
function storedIds(home: string): string[] {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    const row = db.prepare("SELECT json FROM documents WHERE name = 'comparisons'").get() as
      { json: string } | undefined;
    return row ? (JSON.parse(row.json) as { comparisons: Array<{ id: string }> }).comparisons.map((c) => c.id) : [];
  } finally {
    db.close();
  }
}

const digestOf = (name: string) => [llama31, copy, upload, ...DEFAULT_MODELS].find((m) => m.name === name)!.digest;

describe('the models compare chooses when none are named', () => {
  it('never the same weights twice, and the official name rather than a namespaced copy', async () => {
    const core = await setup([
      copy,
      llama31,
      byName('llama3.2:latest'),
      byName('phi3:mini'),
      byName('qwen2.5-coder:7b'),
    ]);
    const r = await compare(core, { prompt: HAIKU, maxTokens: 16 });
    const models = r.results.map((e) => e.model);
    expect(models).toContain('llama3.1:8b');
    expect(models).not.toContain('someuser/llama3.1:8b');
    expect(new Set(models.map(digestOf)).size).toBe(models.length);
    expect(models.length).toBeGreaterThanOrEqual(2);
  });

  it(
    'prefers official library models of different families; another namespace only when too few ' +
      'official ones serve',
    async () => {
      const core = await setup([copy, upload, llama31, byName('llama3.2:latest'), byName('phi3:mini')]);
      const r = await compare(core, { prompt: HAIKU, maxTokens: 16 });
      const models = r.results.map((e) => e.model);
      expect(models.every((m) => !m.includes('/'))).toBe(true);
      // llama3.1 and phi3 first (two families), llama3.2 (a second llama) only to make three
      expect(models).toEqual(['llama3.1:8b', 'phi3:mini', 'llama3.2:latest']);
      await fake!.stop();

      const few = await setup([copy, upload, llama31]);
      const r2 = await compare(few, { prompt: HAIKU, maxTokens: 16 });
      expect(r2.results.map((e) => e.model)).toEqual(['llama3.1:8b', 'otheruser/mistral-tune:7b']);
    },
  );

  it('as a pure choice: duplicates by digest fold into the official name wherever it ranks', () => {
    const facts = [
      { name: 'someuser/llama3.1:8b', family: 'llama', digest: 'd1' },
      { name: 'llama3.1:8b', family: 'llama', digest: 'd1' },
      { name: 'llama3.1:latest', family: 'llama', digest: 'd1' },
      { name: 'gemma3:4b', family: 'gemma3', digest: 'd2' },
      { name: 'qwen3:8b', family: 'qwen3', digest: 'd3' },
    ];
    expect(
      defaultCandidates(
        facts.map((f) => f.name),
        facts,
      ),
    ).toEqual(['llama3.1:8b', 'gemma3:4b', 'qwen3:8b']);
    expect(defaultCandidates(['someuser/llama3.1:8b', 'llama3.1:latest'], facts)).toEqual(['llama3.1:latest']);
  });
});

describe('what compare says happened', () => {
  it('two of three failing: no fastest, the one that answered is named, and nothing about running one at a time', async () => {
    const core = await setup(DEFAULT_MODELS);
    const r = await compare(core, {
      prompt: 'Say hi',
      models: ['llama3.2', 'ghost:7b', 'phantom:3b'],
      maxTokens: 16,
    });
    expect(r.fastest).toBeUndefined();
    expect(r.answered).toEqual(['llama3.2:latest']);
    expect(r.parallel).toBe(false);
    const text = renderComparison(r);
    expect(text).toMatch(/Only llama3\.2:latest answered; ghost:7b and phantom:3b failed \(the reasons are below\)\./);
    expect(text).not.toMatch(/fastest/i);
    expect(text).not.toMatch(/one at a time|do not (all )?fit/);
  });

  it('a model that fails to load beside one that answers: no fastest, and no claim they ran side by side', async () => {
    const core = await setup(DEFAULT_MODELS);
    fake!.injectLoadFailure('crash', { model: 'phi3:mini', times: 5 });
    const r = await compare(core, { prompt: 'Say hi', models: ['llama3.2', 'phi3:mini'], maxTokens: 16 });
    expect(r.results[1]!.error).toBeDefined();
    expect(r.fastest).toBeUndefined();
    expect(r.parallel).toBe(false);
    expect(r.summary).toBe('Only llama3.2:latest answered; phi3:mini failed (the reason is below).');
  });

  it('says they ran one at a time because they do not fit together only when that is why', async () => {
    const core = await setup(DEFAULT_MODELS, 9e9);
    const r = await compare(core, {
      prompt: 'Say hi',
      models: ['llava:7b', 'qwen2.5-coder:7b', 'llama3.2'],
      maxTokens: 16,
    });
    expect(r.answered).toHaveLength(3);
    expect(r.fastest).toBeDefined();
    expect(r.summary).toMatch(
      /^All 3 models answered\. (They ran in groups|.* ran one at a time) because they do not all fit in memory together/,
    );
    expect(renderComparison(r)).toMatch(/Fastest: /);
  });

  it('names the loaded-model limit when that, not memory, split them', () => {
    const summary = describeRun({
      models: ['a', 'b'],
      answered: new Set(['a', 'b']),
      groups: [['a'], ['b']],
      splits: ['count'],
      ran: new Set(['a', 'b']),
      maxLoadedModels: 2,
      held: 1,
    });
    expect(summary).toBe(
      'All 2 models answered. a and b ran one at a time because this Ollama host holds at most 2 ' +
        'models loaded at once (ollama.maxLoadedModels, OLLAMA_MAX_LOADED_MODELS) and 1 that must ' +
        'stay is loaded.',
    );
  });
});

describe('a comparison outlives its process', () => {
  it('a second orchestrator on the same home finds it, and prefer_model takes it', async () => {
    const core = await setup(DEFAULT_MODELS);
    const r = await compare(core, { prompt: 'Say hi', models: ['llama3.2', 'phi3:mini'], maxTokens: 16 });
    const next = new Orchestrator(await loadConfig({ env: { OLLM_HOME: core.config.home, OLLM_HOST: fake!.url } }), {
      memorySource: fakeMemory(fake!, 32e9),
    });
    expect(await next.comparisons.get(next.config.home, r.comparisonId)).toMatchObject({
      task: r.task,
      models: ['llama3.2:latest', 'phi3:mini'],
    });
    expect(storedIds(core.config.home)).toEqual([r.comparisonId]);
  });

  it(
    `keeps the last ${KEEP_COMPARISONS}; an earlier version's damaged comparisons.json is ` +
      `imported as far as it reads, and kept`,
    async () => {
      const home = tempDir('ollm-comparisons-');
      const store = new Comparisons();
      for (let i = 0; i < KEEP_COMPARISONS + 5; i++)
        await store.remember(home, {
          id: `c${i}`,
          task: 'general',
          models: ['a:1b', 'b:1b'],
          at: new Date().toISOString(),
        });
      const fresh = new Comparisons();
      expect(await fresh.get(home, 'c4')).toBeUndefined();
      expect(await fresh.get(home, 'c5')).toMatchObject({ models: ['a:1b', 'b:1b'] });
      expect(await fresh.get(home, `c${KEEP_COMPARISONS + 4}`)).toBeDefined();

      const old = tempDir('ollm-comparisons-');
      const file = join(old, COMPARISONS_FILE);
      const text =
        '{"version":1,"comparisons":[{"id":"good","task":"code","models":["a:1b"],"at":"2026-01-01T00:00:00Z"},{"id":"bad","task":"nonsense","models":[]}]} ' +
        'trailing junk';
      writeFileSync(file, text);
      const after = new Comparisons();
      expect(await after.get(old, 'good')).toMatchObject({ task: 'code' });
      expect(await after.get(old, 'bad')).toBeUndefined();
      expect(existsSync(file)).toBe(false);
      expect(readFileSync(`${file}.imported-backup`, 'utf8')).toBe(text); // every byte kept
      await after.remember(old, { id: 'new', task: 'fast', models: ['a:1b'], at: new Date().toISOString() });
      expect(storedIds(old)).toEqual(['good', 'new']);
    },
  );

  it('a home that cannot be written: the id still works in this process, and the result says it will not survive', async () => {
    const home = tempDir('ollm-comparisons-');
    mkdirSync(join(home, 'state.db')); // a folder where the database should be
    const store = new Comparisons();
    const note = await store.remember(home, {
      id: 'x',
      task: 'general',
      models: ['a:1b', 'b:1b'],
      at: new Date().toISOString(),
    });
    expect(note).toMatch(/could not be saved .*works only while this server runs/);
    expect(await store.get(home, 'x')).toBeDefined();
    expect(await new Comparisons().get(home, 'x')).toBeUndefined();
  });
});
