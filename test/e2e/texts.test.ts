// Every tool's text result read as a person reads it: no doubled punctuation, no sentence said
// twice, no duration without its unit.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
let home: string;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({
    memoryBytes: 16e9,
    models: DEFAULT_REGISTRY.filter((m) => m.name !== 'all-minilm:latest'),
    tokenDelayMs: 0,
  });
  home = tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n');
  session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** What a careful reader would flag in a tool's text. */
function defects(text: string): string[] {
  const found: string[] = [];
  // "..", ".)." or ". ." — but not an ellipsis "…" or a decimal number
  for (const m of text.matchAll(/[^.\d]\.\s?\.(?!\.)|\.\)\.|,\./g))
    found.push(`doubled punctuation near "${text.slice(Math.max(0, m.index - 30), m.index + 5)}"`);
  const sentences = text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 20);
  for (const [i, s] of sentences.entries()) if (sentences.indexOf(s) !== i) found.push(`said twice: "${s}"`);
  // a number right after a time word, then punctuation or the end: no unit said
  for (const m of text.matchAll(
    /\b(keep_alive|timeout|took|after|in|within)[:\s]+\d+(?:\.\d+)?(?![\d.]\d)\s*(?:[.,;)]|$)/gim,
  ))
    found.push(`duration without a unit: "${m[0]}"`);
  for (const m of text.matchAll(/\bis (fits|loads|serves)\b/g)) found.push(`broken grammar: "${m[0]}"`);
  return found;
}

describe('tool texts', () => {
  it('read cleanly across loading, refusing, generating, comparing, memory and templates', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      ['list_models', {}],
      ['smart_load', { model: 'qwen2.5-coder:7b' }],
      ['smart_load', { model: 'qwen2.5-coder:7b' }],
      ['smart_load', { model: 'llava:7b', dryRun: true }],
      ['smart_load', { model: 'mixtral:8x7b' }],
      ['smart_load', { task: 'code', keepAlive: 90 }],
      ['route_and_generate', { prompt: 'Write a Go function that reverses a slice' }],
      ['route_and_generate', { prompt: 'Capital of France?' }],
      ['compare', { prompt: 'Say hi', models: ['llama3.2', 'phi3:mini'] }],
      ['show_model', { model: 'llama3.2' }],
      ['unload_model', { all: true }],
      ['remember', { key: 'editor', value: 'The user edits with Helix' }],
      ['recall', { query: 'editor' }],
      ['forget', { key: 'editor' }],
      ['render_template', { name: 'explain', variables: { topic: 'DNS' } }],
      ['smart_load', { model: 'no-such-model' }],
      ['prefer_model', { model: 'nomic-embed-text', task: 'general' }],
    ];
    const problems: string[] = [];
    for (const [name, args] of calls) {
      const res = await session.client.callTool({ name, arguments: args });
      const text = (res.content as Array<{ text: string }>).map((c) => c.text).join('\n');
      expect(text.length, name).toBeGreaterThan(0);
      for (const d of defects(text)) problems.push(`${name} ${JSON.stringify(args)}: ${d}`);
    }
    expect(problems).toEqual([]);
  });

  it('the checks themselves catch what they look for', () => {
    expect(defects('Fits in RAM now.. Next.')).toHaveLength(1);
    expect(defects('try again.).')).toHaveLength(1);
    expect(defects('It loads qwen2.5:14b and runs. It loads qwen2.5:14b and runs.')).toHaveLength(1);
    expect(defects('keep_alive: 300.')).toHaveLength(1);
    expect(defects('qwen2.5:14b serves code work and is fits in RAM now')).toHaveLength(1);
    expect(defects('Loaded llama3.2 in 1.2 s; keep_alive 300 s. Version 0.33.0 answers…')).toEqual([]);
  });
});
