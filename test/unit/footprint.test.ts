/**
 * The tool list an agent can afford (issues 32, 46): clients send every tool's name, description
 * and input schema to the calling model on every turn, as one JSON list. Listed here as a client
 * sees it (an in-process server and client, no engine), that JSON must stay within 2,000 tokens —
 * counted as characters / 3.8 — and every tool and every argument must still say what it is, briefly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHARS_PER_TOKEN,
  describeFootprint,
  FOOTPRINT_GOAL_TOKENS,
  footprintOf,
  listedTools,
  type ListedTool,
} from '../../bench/footprint.js';
import { TOOLS } from '../../src/tools/index.js';

/** The longest description an input property may have: a phrase, not a paragraph (details live in docs/tools.md). */
const MAX_ARG_DESCRIPTION = 120;

interface PropertySchema {
  description?: unknown;
}

const propertiesOf = (t: ListedTool) =>
  Object.entries((t.inputSchema.properties ?? {}) as Record<string, PropertySchema>);

describe('the tool list as a client sees it', () => {
  let tools: ListedTool[] = [];
  beforeAll(async () => {
    tools = await listedTools();
  });

  it('lists every registered tool', () => {
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.toolName).sort());
  });

  it(`costs at most ${FOOTPRINT_GOAL_TOKENS} tokens (characters / ${CHARS_PER_TOKEN}) in all`, () => {
    const f = footprintOf(tools);
    const report = [
      `${f.chars} characters ≈ ${f.tokens.toFixed(0)} tokens over ${f.tools.length} tools (limit ` +
        `${FOOTPRINT_GOAL_TOKENS}); per tool:`,
      ...describeFootprint(f),
    ].join('\n');
    expect(f.tokens, report).toBeLessThanOrEqual(FOOTPRINT_GOAL_TOKENS);
  });

  it('gives every tool a description', () => {
    const without = tools.filter((t) => (t.description ?? '').trim() === '').map((t) => t.name);
    expect(without).toEqual([]);
  });

  // an argument whose name says it all (prompt, system, temperature, key) carries no description: every word
  // is read every turn
  it(`describes an input property, where it does, in at most ${MAX_ARG_DESCRIPTION} characters`, () => {
    const problems = tools.flatMap((t) =>
      propertiesOf(t).flatMap(([name, p]) => {
        const text = typeof p.description === 'string' ? p.description.trim() : '';
        if (p.description !== undefined && text === '') return [`${t.name}.${name}: an empty description`];
        if (text.length > MAX_ARG_DESCRIPTION) return [`${t.name}.${name}: ${text.length} characters`];
        return [];
      }),
    );
    expect(problems).toEqual([]);
  });
});

describe('the count itself', () => {
  it(
    'counts the list as a client sends it: one JSON array of name, description and input ' +
      'schema, largest entry first',
    () => {
      const small: ListedTool = { name: 'ab', description: 'cde', inputSchema: { type: 'object' } };
      const large: ListedTool = { name: 'x', description: 'y'.repeat(37), inputSchema: {} };
      const f = footprintOf([small, large]);
      const sent =
        '[{"name":"ab","description":"cde","inputSchema":{"type":"object"}},{"name":"x","description":"' +
        'y'.repeat(37) +
        '","inputSchema":{}}]';
      // {"name":"ab","description":"cde","inputSchema":{"type":"object"}} is 65; the other 83
      expect(f.tools.map((t) => [t.name, t.chars])).toEqual([
        ['x', 83],
        ['ab', 65],
      ]);
      expect(f.chars).toBe(sent.length);
      expect(f.chars).toBe(65 + 83 + 3); // the brackets and the comma
      expect(f.tokens).toBeCloseTo(sent.length / 3.8, 6);
      // issue 32's count, the parts alone: 2 + 3 + 17 and 1 + 37 + 2
      expect(f.partChars).toBe(62);
    },
  );

  it('counts a description as JSON writes it: quotes and backslashes escaped, an absent one not at all', () => {
    const quoted = footprintOf([{ name: 'a', description: 'say "hi"', inputSchema: {} }]);
    expect(quoted.chars).toBe('[{"name":"a","description":"say \\"hi\\"","inputSchema":{}}]'.length);
    const none = footprintOf([{ name: 'a', inputSchema: {} }]);
    expect(none.chars).toBe('[{"name":"a","inputSchema":{}}]'.length);
  });
});
