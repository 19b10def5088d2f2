/**
 * The port of the MCP Inspector's portability check (test/helpers/schema-portability.ts, from
 * core/json/schemaLint.ts of @modelcontextprotocol/inspector 2.12.0) finds what the Inspector finds, at the
 * paths it prints, and nothing it lets pass.
 */
import { describe, expect, it } from 'vitest';
import { portabilityFindings, toolListFindings } from '../helpers/schema-portability.js';

const found = (schema: unknown) => portabilityFindings(schema, 'outputSchema').map((f) => `${f.path} ${f.rule}`);

describe("the Inspector's portability rules", () => {
  it('finds a type array, an untyped value, a bare boolean schema and a remote $ref, where the Inspector does', () => {
    const schema = {
      type: 'object',
      properties: {
        keepAlive: { type: ['number', 'string'] },
        json: {},
        said: { description: 'words alone constrain nothing' },
        list: { type: 'array', items: true },
        'odd-name': { anyOf: [{ type: 'string' }, {}] },
        remote: { $ref: 'https://example.com/s.json' },
        onlyIf: { if: { const: 1 } },
      },
      additionalProperties: false,
    };
    expect(found(schema)).toEqual([
      'outputSchema.properties.keepAlive type-union',
      'outputSchema.properties.json untyped-schema',
      'outputSchema.properties.said untyped-schema',
      'outputSchema.properties.list.items boolean-schema',
      'outputSchema.properties["odd-name"].anyOf[1] untyped-schema',
      'outputSchema.properties.remote remote-ref',
      'outputSchema.properties.onlyIf untyped-schema',
    ]);
    expect(portabilityFindings({ items: false }, 'inputSchema')).toEqual([
      { rule: 'boolean-schema', severity: 'error', path: 'inputSchema.items' },
    ]);
  });

  it('lets pass what the Inspector lets pass', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        free: { type: 'object', additionalProperties: true }, // a boolean where a boolean is allowed
        any: { anyOf: [{ type: 'object' }, { type: 'null' }] },
        color: { enum: ['red', 'blue'] },
        fixed: { const: 'json' },
        local: { $ref: '#/$defs/part' },
        notEmpty: { not: {} }, // `{}` under `not` is the exact always-true schema
        paired: { if: { const: 1 }, then: { minimum: 0 } },
        repeated: { type: ['string', 'string'] }, // not a union of distinct types
      },
      $defs: { part: { type: 'string' } },
      required: ['free'],
      additionalProperties: false,
    };
    expect(found(schema)).toEqual([]);
    // a $ref elsewhere is resolved inside a schema that declares an $id
    expect(found({ $id: 'https://example.com/root', properties: { a: { $ref: 'other.json' } } })).toEqual([]);
  });

  it('names each finding by tool and schema over a tool list', () => {
    expect(
      toolListFindings([
        { name: 'ok', inputSchema: { type: 'object' }, outputSchema: { type: 'object' } },
        {
          name: 'smart_load',
          inputSchema: { type: 'object', properties: { keepAlive: { type: ['number', 'string'] } } },
        },
        { name: 'show_status', inputSchema: { type: 'object' }, outputSchema: { additionalProperties: {} } },
      ]),
    ).toEqual([
      'smart_load: inputSchema.properties.keepAlive (type-union, warning)',
      'show_status: outputSchema.additionalProperties (untyped-schema, warning)',
    ]);
  });
});
