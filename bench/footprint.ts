/**
 * Tool-list footprint (issue 32): clients send every tool's name, description and input schema to
 * the calling model on every turn, so the list must stay cheap. Counted as the characters of
 * name + description + JSON.stringify(inputSchema), over 3.8 characters a token, summed over the
 * tools the server lists to an MCP client (in-process, no engine). Goal: at most 2,000 tokens.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../src/orchestrator/index.js';
import { TOOLS } from '../src/tools/index.js';

export const FOOTPRINT_GOAL_TOKENS = 2000;
/** One count for the ledger's footprint line and this benchmark (orchestrator/savings/footprint.ts). */
export { CHARS_PER_TOKEN } from '../src/orchestrator/savings/footprint.js';
import { CHARS_PER_TOKEN } from '../src/orchestrator/savings/footprint.js';

/** A tool as tools/list shows it to a client: the parts a client sends to the model. */
export interface ListedTool {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
}

export interface ToolFootprint {
  name: string;
  chars: number;
  tokens: number;
}

export interface Footprint {
  tools: ToolFootprint[];
  chars: number;
  tokens: number;
}

/**
 * The tool list as a client receives it: every tool registered on a server, listed over an
 * in-memory transport. Registering and listing touch no orchestrator, so none is made.
 */
export async function listedTools(): Promise<ListedTool[]> {
  const server = new McpServer({ name: 'footprint', version: '1' });
  for (const register of TOOLS) register(server, {} as Orchestrator);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'footprint', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  try {
    return (await client.listTools()).tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema as Record<string, unknown> }));
  } finally {
    await client.close();
    await server.close();
  }
}

/** Characters and tokens per tool, largest first, and in all. */
export function footprintOf(tools: ListedTool[]): Footprint {
  const per = tools
    .map((t) => {
      const chars = t.name.length + (t.description ?? '').length + JSON.stringify(t.inputSchema).length;
      return { name: t.name, chars, tokens: chars / CHARS_PER_TOKEN };
    })
    .sort((a, b) => b.chars - a.chars);
  const chars = per.reduce((sum, t) => sum + t.chars, 0);
  return { tools: per, chars, tokens: chars / CHARS_PER_TOKEN };
}

/** One line per tool: name, characters, tokens. */
export function describeFootprint(f: Footprint, top = f.tools.length): string[] {
  return f.tools.slice(0, top).map((t) => `  ${t.name.padEnd(20)} ${String(t.chars).padStart(6)} chars  ${t.tokens.toFixed(0).padStart(5)} tokens`);
}

export async function benchFootprint(): Promise<{ ok: boolean; lines: string[] }> {
  const f = footprintOf(await listedTools());
  const ok = f.tokens <= FOOTPRINT_GOAL_TOKENS;
  return {
    ok,
    lines: [
      `footprint: ${f.tools.length} tools, ${f.chars} characters ≈ ${f.tokens.toFixed(0)} tokens (goal ≤ ${FOOTPRINT_GOAL_TOKENS}) ${ok ? 'OK' : 'MISSED'}`,
      '  largest:',
      ...describeFootprint(f, 5),
    ],
  };
}
