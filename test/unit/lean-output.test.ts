/**
 * An output schema as published (src/tools/lean-output.ts, issue 83 finding 6): typed everywhere for strict
 * clients (the Inspector's portability rules: test/helpers/schema-portability.ts), without the words no check
 * reads, and holding results to the same shape as the schema it comes from.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { leanOutput } from '../../src/tools/lean-output.js';
import { outputCheck } from '../helpers/output-schema.js';
import { portabilityFindings } from '../helpers/schema-portability.js';

const ANY_JSON = { anyOf: ['object', 'array', 'string', 'number', 'boolean', 'null'].map((type) => ({ type })) };

/** A result shape with what the tools' schemas hold: any JSON, free-form objects, words on fields. */
const shape = z.object({
  text: z.string().describe('the answer'),
  json: z.unknown().optional().describe('the answer parsed'),
  result: z.record(z.string(), z.unknown()).optional(),
  metrics: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  list: z.array(z.unknown()).optional(),
  mode: z.enum(['a', 'b']).describe('which'),
  description: z.string().optional(), // a field named "description" is a field, not a word
});
const converted = z.toJSONSchema(shape, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
const lean = leanOutput(converted);

describe('the published output schema', () => {
  it('has no untyped value and no type array where the converted one had them', () => {
    expect(portabilityFindings(converted, 'outputSchema').length).toBeGreaterThan(0);
    expect(portabilityFindings(lean, 'outputSchema')).toEqual([]);
    const props = lean.properties as Record<string, unknown>;
    expect(props.json).toEqual(ANY_JSON);
    expect(props.result).toEqual({ type: 'object' });
    expect(props.metrics).toEqual({ type: 'object', additionalProperties: { type: 'object' } });
    expect(props.list).toEqual({ type: 'array' });
  });

  it('drops the words, keeps a field named description, and keeps everything that constrains', () => {
    expect(JSON.stringify(lean)).not.toMatch(/"the answer|"which"|propertyNames/);
    expect(lean).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['text', 'mode'],
      additionalProperties: false,
      properties: {
        text: { type: 'string' },
        mode: { type: 'string', enum: ['a', 'b'] },
        description: { type: 'string' },
      },
    });
    // a const or enum value is data: left as written, whatever keys it has
    expect(leanOutput({ const: { description: 'kept', items: {} } })).toEqual({
      const: { description: 'kept', items: {} },
    });
  });

  it('accepts the results the converted schema accepts, and refuses what it refuses', () => {
    const full = outputCheck(converted);
    const published = outputCheck(lean);
    const good = [
      { text: 'hi', mode: 'a' },
      { text: 'hi', mode: 'b', json: [1, 'x'], result: { any: { thing: null } }, metrics: { m: { n: 1 } } },
      { text: 'hi', mode: 'a', json: null, list: [1, {}, 'x'], description: 'd' },
      { text: 'hi', mode: 'a', json: 'text' },
    ];
    const bad = [
      { text: 'hi', mode: 'c' },
      { mode: 'a' },
      { text: 'hi', mode: 'a', extra: 1 },
      { text: 'hi', mode: 'a', result: [] },
      { text: 'hi', mode: 'a', metrics: { m: 1 } },
    ];
    for (const value of good) expect([full.problems(value), published.problems(value)]).toEqual([[], []]);
    for (const value of bad) {
      expect(full.problems(value), JSON.stringify(value)).not.toEqual([]);
      expect(published.problems(value), JSON.stringify(value)).not.toEqual([]);
    }
  });
});
