/**
 * The one place that adapts a tool file's spec (tool-types.ts) to the MCP server: its schemas as
 * published (published-schemas.ts), its handler (tool-call.ts: validated input in,
 * `structuredContent` plus a short text out, any failure an `isError` result, never a crash), and
 * what the build records of it.
 */
import type { McpServer, ToolAnnotations } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import type { Orchestrator } from '../orchestrator/index.js';
import { published, publishedOnly, type JsonSchemaOf } from './published-schemas.js';
import type { ListsItsResult } from './output-check.js';
import { callHandler } from './tool-call.js';
import type { ToolOutput, ToolRegistration, ToolSpec } from './tool-types.js';

export function defineTool<I extends z.ZodObject, O extends z.ZodObject, R extends ToolOutput<z.output<O>>>(
  spec: ToolSpec<I, O, R> & ListsItsResult<O, R>,
): ToolRegistration {
  // once per tool, so each JSON Schema is converted once per process
  const inputSchema = publishedOnly(spec.inputSchema);
  const outputSchema = published(spec.outputSchema);
  const annotations: ToolAnnotations = { title: spec.title, ...spec.annotations };
  const register = (server: McpServer, orch: Orchestrator) => {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema,
        outputSchema,
        annotations,
        ...(spec.meta && { _meta: spec.meta }),
      },
      // The SDK infers the handler's argument type from the schema; the cast keeps
      // ToolSpec generic without repeating the SDK's conditional types here.
      callHandler(spec, server, orch) as never,
    );
  };
  /** What tools/list shows of this tool, converted now (the build embeds it). */
  const jsonSchemas = (target: string) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [which, std] of [
      ['input', inputSchema['~standard']],
      ['output', outputSchema['~standard']],
    ] as const) {
      for (const io of ['input', 'output'] as const)
        out[`${which}:${io}|${target}`] = (std.jsonSchema as JsonSchemaOf)[io]({ target: target as never });
    }
    return out;
  };
  return Object.assign(register, {
    toolName: spec.name,
    title: spec.title,
    description: spec.description,
    annotations,
    ...(spec.meta && { meta: spec.meta }),
    jsonSchemas,
    inputSchema: spec.inputSchema,
  });
}
