/**
 * The tool list as the calling model reads it on every turn — each offered tool's name,
 * description and input schema as tools/list publishes them — in characters, for the ledger's
 * footprint line (orchestrator/savings/footprint.ts). The server says which tools it offers
 * (create-server.ts: the toolsets and the project's tools).
 */
import type { ToolRegistration } from './define.js';

/** The JSON Schema target tools/list publishes (the MCP SDK's). */
const TARGET = 'draft-2020-12';

/** Characters of one tool's entry in the list: name, description and input schema. */
export function listedChars(t: ToolRegistration): number {
  return t.toolName.length + t.description.length + JSON.stringify(t.jsonSchemas(TARGET)[`input:input|${TARGET}`] ?? {}).length;
}

let offered: readonly ToolRegistration[] = [];
let chars: number | undefined;

/** The tools this server offers (called as it registers them). */
export function offering(tools: readonly ToolRegistration[]): void {
  if (tools.length === offered.length && tools.every((t, i) => t === offered[i])) return;
  offered = [...tools];
  chars = undefined;
}

/** The offered tool list: how many tools, and its characters. */
export function offeredList(): { tools: number; chars: number } {
  chars ??= offered.reduce((s, t) => s + listedChars(t), 0);
  return { tools: offered.length, chars };
}
