/**
 * A tool's schemas as the SDK sees them: their JSON Schemas converted once per process (the input
 * schema slim: slim-schema.ts; the output schema lean: lean-output.ts), with validators that let
 * every value through — the handler checks the arguments itself (tool-call.ts), and a result is
 * kept within its schema at compile time (output-check.ts).
 */
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import { leanOutput } from './lean-output.js';
import { slimSchema } from './slim-schema.js';

/**
 * The input schema as the SDK sees it: the tool's own JSON Schema for tools/list (and for the
 * HTTP entry's header checks), with a validator that lets every value through. The handler then
 * checks the arguments against the real schema, so an invalid call is answered with
 * explainInvalidArguments' text rather than the SDK's "Input validation error" and zod's wording.
 */
export function publishedOnly(schema: z.ZodObject): StandardSchemaWithJSON<Record<string, unknown>> {
  return {
    '~standard': {
      version: 1,
      vendor: 'ollm-mcp',
      validate: (value) => ({ value: value as Record<string, unknown> }),
      jsonSchema: memoJsonSchema(schema, 'input'),
    },
  };
}

/**
 * The output schema as the SDK sees it: its JSON Schema, converted once per process rather than at
 * every tools/list (over stateless HTTP each request builds a server of its own), with a validator
 * that lets the result through. structuredContent is built by typed code (the tool's run), and a
 * client that checks it (the official one does) checks it against this JSON Schema itself: the
 * SDK's second pass of zod over every result only cost each call its time. What keeps results
 * within their schemas: defineTool refuses at compile time a run that returns a field its schema
 * lacks (Unlisted: output-check.ts), and test/e2e/output-schemas.test.ts calls every tool in every mode —
 * stdio alone, through the shared server, over HTTP — and checks each result with Ajv against the
 * schema tools/list gave the client.
 */
export function published<O extends z.ZodObject>(schema: O): O {
  const std = schema['~standard'];
  const wrapped = { ...std, validate: (value: unknown) => ({ value }), jsonSchema: memoJsonSchema(schema, 'output') };
  return new Proxy(schema, {
    get: (target, key, receiver) => (key === '~standard' ? wrapped : Reflect.get(target, key, receiver)),
  });
}

export type JsonSchemaOf = NonNullable<StandardSchemaWithJSON<unknown>['~standard']['jsonSchema']>;

/**
 * zod's JSON Schema conversion, remembered per direction and target, converted on first use (the
 * built server lists tools from the catalog the build recorded: server/catalog.ts). `which` names
 * the schema (the tool's input or output); the SDK asks of it the io it needs.
 */
function memoJsonSchema(schema: z.ZodObject, which: 'input' | 'output'): JsonSchemaOf {
  const convert = schema['~standard'].jsonSchema as JsonSchemaOf;
  const seen = new Map<string, Record<string, unknown>>();
  const memo = (io: 'input' | 'output') => (options: Parameters<JsonSchemaOf['input']>[0]) => {
    const key = `${which}:${io}|${String(options?.target ?? '')}`;
    let out = seen.get(key);
    // the input schema is published slim (slim-schema.ts): the calling model reads it every turn; the output
    // schema lean (lean-output.ts): typed everywhere, without the words no check reads
    if (!out)
      out =
        which === 'input'
          ? (slimSchema(convert[io](options)) as Record<string, unknown>)
          : leanOutput(convert[io](options));
    seen.set(key, out);
    return out;
  };
  return { input: memo('input'), output: memo('output') };
}
