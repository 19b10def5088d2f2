/**
 * The other side of test/e2e/output-schemas.test.ts: the check it runs on every result — Ajv,
 * against the output schema as tools/list publishes it — refuses what a validating client refuses,
 * so that test cannot pass by checking nothing. Issue 54's case first: a show_status result with
 * `clients` against the schema as it was, without it. And the compile-time side (output-check.ts
 * Unlisted): what a tool's run returns beyond its schema is named.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Unlisted } from '../../src/tools/output-check.js';
import { TOOLS } from '../../src/tools/index.js';
import { showStatusTool } from '../../src/tools/show-status.js';
import { outputCheck } from '../helpers/output-schema.js';

const TARGET = 'draft-2020-12';
/** A tool's output schema exactly as tools/list publishes it. */
const published = (tool: { jsonSchemas(target: string): Record<string, Record<string, unknown>> }) =>
  tool.jsonSchemas(TARGET)[`output:output|${TARGET}`]!;

const sums = {
  calls: 0,
  local: { in: 0, out: 0 },
  call: { in: 0, out: 0, money: 0 },
  self: { in: 0, out: 0, money: 0 },
  savedTokens: 0,
  savedMoney: 0,
};
/**
 * A show_status result as the shared server with a cloud fallback sends it: its clients and the fallback's
 * health beside the rest.
 */
const STATUS = {
  hosts: [{ name: 'ollama', kind: 'ollama', reachable: true }],
  fallback: { name: 'fallback', url: 'https://cloud.example/v1', ok: true, detail: 'answers', latencyMs: 12 },
  clients: [
    { name: 'claude-code', version: '2.1.0', pid: 4242, cwd: '/home/ada/project', since: '2026-11-24T10:00:00.000Z' },
  ],
  memory: { budgetBytes: 8e9, headroomBytes: 6e9, loadedBytes: 2e9, totalBytes: 16e9, availableBytes: 12e9 },
  metrics: {},
  agents: [],
  savings: {
    prices: { inputPerMillion: 3, outputPerMillion: 15, currency: 'USD' },
    total: sums,
    today: { day: '2026-11-24', ...sums },
    byDay: [],
    byModel: [],
    byTask: [],
  },
  learning: { on: true, records: [] },
};

describe('the output check the e2e test runs', () => {
  it('every tool’s published output schema compiles under strict Ajv, of the draft it names (2020-12)', () => {
    for (const tool of TOOLS) {
      const schema = published(tool);
      expect(schema.$schema, tool.toolName).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(() => outputCheck(schema), tool.toolName).not.toThrow();
    }
  });

  it('show_status’s schema allows what the shared server and a fallback add: clients and fallback', () => {
    expect(outputCheck(published(showStatusTool)).problems(STATUS)).toEqual([]);
  });

  it(
    'refuses that result against the schema as it was without clients — what Inspector and the ' +
      'SDK clients said (issue 54)',
    () => {
      const schema = structuredClone(published(showStatusTool)) as { properties: Record<string, unknown> };
      delete schema.properties.clients;
      expect(outputCheck(schema).problems(STATUS)).toEqual(['(root) must NOT have additional properties (clients)']);
      delete schema.properties.fallback;
      expect(outputCheck(schema).problems(STATUS)).toEqual([
        '(root) must NOT have additional properties (fallback)',
        '(root) must NOT have additional properties (clients)',
      ]);
    },
  );

  it('refuses a field nested where the schema has none, a wrong type and a missing required field', () => {
    const check = outputCheck(published(showStatusTool));
    expect(check.problems({ ...STATUS, clients: [{ ...STATUS.clients[0], token: 'x' }] })).toEqual([
      '/clients/0 must NOT have additional properties (token)',
    ]);
    expect(check.problems({ ...STATUS, memory: { ...STATUS.memory, loadedBytes: '2 GB' } })).toEqual([
      '/memory/loadedBytes must be number',
    ]);
    // the status fields are each optional (show_status {job} answers with the job alone), what they hold is not
    const { loadedBytes: _l, ...memory } = STATUS.memory;
    expect(check.problems({ ...STATUS, memory })).toEqual(["/memory must have required property 'loadedBytes'"]);
  });

  it('refuses a schema of a draft it does not know, rather than checking nothing', () => {
    expect(() => outputCheck({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' })).toThrow(
      /unknown draft/,
    );
    expect(() => outputCheck({ type: 'object' })).toThrow(/unknown draft/);
  });
});

describe('Unlisted: what a run returns beyond its output schema, at compile time', () => {
  it('names each field the schema lacks, nested in objects and arrays; none when all are listed', () => {
    expectTypeOf<Unlisted<{ hosts: string[]; clients: number[] }, { hosts: string[] }>>().toEqualTypeOf<'.clients'>();
    expectTypeOf<Unlisted<{ a: { b: number; c?: string } }, { a: { b: number } }>>().toEqualTypeOf<'.a.c'>();
    expectTypeOf<
      Unlisted<{ list: Array<{ x: number; y: number }> }, { list: Array<{ x: number }> }>
    >().toEqualTypeOf<'.list[].y'>();
    expectTypeOf<Unlisted<{ a: number; b?: string }, { a: number; b?: string | undefined }>>().toBeNever();
    // where the schema takes anything, nothing below is compared
    expectTypeOf<
      Unlisted<
        { json: { deep: 1 }; hosts: Array<{ any: 1 }> },
        { json?: unknown; hosts: Array<Record<string, unknown>> }
      >
    >().toBeNever();
  });
});
