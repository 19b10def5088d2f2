/**
 * The tool list as the calling model reads it on every turn — each offered tool's name,
 * description and input schema as tools/list publishes them — in characters, for the ledger's
 * footprint line (orchestrator/savings/footprint.ts). The server says which tools it offers
 * (create-server.ts: the toolsets and the project's tools).
 */

/** The JSON Schema target tools/list publishes (the MCP SDK's JSON_SCHEMA_CONVERSION_TARGET). */
export const SCHEMA_TARGET = 'draft-2020-12';

/** A tool as tools/list shows it: its JSON Schemas by "input:io|target" (server/catalog.ts). */
export interface ListedTool {
  name: string;
  description: string;
  schemas: Record<string, Record<string, unknown>>;
}

/** Characters of one tool's entry in the list: name, description and input schema. */
export function listedChars(t: ListedTool): number {
  return t.name.length + t.description.length + JSON.stringify(t.schemas[`input:input|${SCHEMA_TARGET}`] ?? {}).length;
}

let offered: { tools: number; chars: number } = { tools: 0, chars: 0 };

/** The tools this server offers (called as it registers them). */
export function offering(tools: readonly ListedTool[]): void {
  offered = { tools: tools.length, chars: tools.reduce((s, t) => s + listedChars(t), 0) };
}

/** The offered tool list: how many tools, and its characters. */
export function offeredList(): { tools: number; chars: number } {
  return offered;
}
