/**
 * The tool list an agent can afford (issue 32): clients send every tool's name, description and
 * input schema to the calling model on every turn. Listed here as a client sees it (an in-process
 * server and client, no engine), the whole list must stay within 2,000 tokens — counted as
 * characters / 3.8 — and every tool and every argument must still say what it is, briefly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CHARS_PER_TOKEN, describeFootprint, FOOTPRINT_GOAL_TOKENS, footprintOf, listedTools, type ListedTool } from '../../bench/footprint.js';
import { TOOLS } from '../../src/tools/index.js';

/** The longest description an input property may have: a phrase, not a paragraph (details live in docs/tools.md). */
const MAX_ARG_DESCRIPTION = 120;

interface PropertySchema {
  description?: unknown;
}

const propertiesOf = (t: ListedTool) => Object.entries((t.inputSchema.properties ?? {}) as Record<string, PropertySchema>);

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
    const report = [`${f.chars} characters ≈ ${f.tokens.toFixed(0)} tokens over ${f.tools.length} tools (limit ${FOOTPRINT_GOAL_TOKENS}); per tool:`, ...describeFootprint(f)].join('\n');
    expect(f.tokens, report).toBeLessThanOrEqual(FOOTPRINT_GOAL_TOKENS);
  });

  it('gives every tool a description', () => {
    const without = tools.filter((t) => (t.description ?? '').trim() === '').map((t) => t.name);
    expect(without).toEqual([]);
  });

  // an argument whose name says it all (prompt, system, temperature, key) carries no description: every word is read every turn
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
  it('counts name, description and the input schema as JSON, largest first', () => {
    const small: ListedTool = { name: 'ab', description: 'cde', inputSchema: { type: 'object' } };
    const large: ListedTool = { name: 'x', description: 'y'.repeat(37), inputSchema: {} };
    const f = footprintOf([small, large]);
    // 2 + 3 + '{"type":"object"}'.length (17) = 22; 1 + 37 + '{}'.length (2) = 40
    expect(f.tools.map((t) => [t.name, t.chars])).toEqual([['x', 40], ['ab', 22]]);
    expect(f.chars).toBe(62);
    expect(f.tokens).toBeCloseTo(62 / 3.8, 6);
  });
});
