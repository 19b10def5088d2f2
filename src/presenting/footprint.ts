/**
 * The tool list as the calling model reads it on every turn — each offered tool's name,
 * description and input schema as tools/list publishes them, sent as one JSON list — in
 * characters, for the ledger's footprint line (orchestrator/savings/footprint.ts) and the
 * footprint test and bench. The server says which tools it offers (create-server.ts: the toolsets
 * and the project's tools).
 */

/** The JSON Schema target tools/list publishes (the MCP SDK's JSON_SCHEMA_CONVERSION_TARGET). */
export const SCHEMA_TARGET = 'draft-2020-12';

/** A tool as a client sends it to the model: the parts of its tools/list entry the model reads. */
export interface SentTool {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
}

const entry = (t: SentTool) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema });

/** One tool's entry as sent: `{"name":…,"description":…,"inputSchema":…}`. */
export function sentToolChars(t: SentTool): number {
  return JSON.stringify(entry(t)).length;
}

/** The whole list as sent: the entries in one JSON array. */
export function sentListChars(tools: readonly SentTool[]): number {
  return JSON.stringify(tools.map(entry)).length;
}

/** A tool as the catalog holds it: its JSON Schemas by "input:io|target" (server/catalog.ts). */
export interface ListedTool {
  name: string;
  description: string;
  schemas: Record<string, Record<string, unknown>>;
}

/** A catalog entry as sent. */
function asSent(t: ListedTool): SentTool {
  return { name: t.name, description: t.description, inputSchema: t.schemas[`input:input|${SCHEMA_TARGET}`] ?? {} };
}

let offered: { tools: number; chars: number } = { tools: 0, chars: 0 };

/** The tools this server offers (called as it registers them). */
export function offering(tools: readonly ListedTool[]): void {
  offered = { tools: tools.length, chars: sentListChars(tools.map(asSent)) };
}

/** The offered tool list: how many tools, and its characters. */
export function offeredList(): { tools: number; chars: number } {
  return offered;
}
