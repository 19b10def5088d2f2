/**
 * Tool-list footprint (issues 32, 46): clients send every tool's name, description and input
 * schema to the calling model on every turn, as one JSON list — `[{"name":…,"description":…,
 * "inputSchema":…}, …]` — so the list must stay cheap. Counted as the characters of that JSON,
 * over 3.8 characters a token, for the tools the server lists to an MCP client (in-process, no
 * engine). Goal: at most 2,000 tokens. The parts alone (name + description + schema, without the
 * JSON around them: issue 32's count) are printed on a second line.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../src/orchestrator/index.js';
import { sentListChars, sentToolChars, type SentTool } from '../src/presenting/footprint.js';
import { TOOLS } from '../src/tools/index.js';

export const FOOTPRINT_GOAL_TOKENS = 2000;
/** One count for the ledger's footprint line and this benchmark (orchestrator/savings/footprint.ts). */
export { CHARS_PER_TOKEN } from '../src/orchestrator/savings/footprint.js';
import { CHARS_PER_TOKEN } from '../src/orchestrator/savings/footprint.js';

/** A tool as tools/list shows it to a client: the parts a client sends to the model. */
export type ListedTool = SentTool;

export interface ToolFootprint {
  name: string;
  chars: number;
  tokens: number;
}

export interface Footprint {
  tools: ToolFootprint[];
  /** The list as sent: one JSON array of every tool's entry. */
  chars: number;
  tokens: number;
  /** Issue 32's count: name + description + schema per tool, without the JSON around them. */
  partChars: number;
}

/**
 * The tool list as a client receives it: every tool registered on a server, listed over an
 * in-memory transport. Registering and listing touch no orchestrator, so none is made.
 */
export async function listedTools(): Promise<ListedTool[]> {
  return sentOf(await toolList());
}

/** The parts of a tools/list result a client sends to the model. */
const sentOf = (list: Awaited<ReturnType<typeof toolList>>): ListedTool[] =>
  list.tools.map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: t.inputSchema as Record<string, unknown>,
  }));

/** The tools/list result whole, as the client receives it. */
async function toolList() {
  const server = new McpServer({ name: 'footprint', version: '1' });
  for (const register of TOOLS) register(server, {} as Orchestrator);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'footprint', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  try {
    return await client.listTools();
  } finally {
    await client.close();
    await server.close();
  }
}

/**
 * The tools/list result's bytes as JSON, and its output schemas' (issue 83: 54 of its 65 KB were output
 * schemas, which clients that forward them pay for; published lean since: src/tools/lean-output.ts).
 */
function listBytes(list: Awaited<ReturnType<typeof toolList>>): { all: number; output: number } {
  const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  return { all: bytes(list), output: list.tools.reduce((n, t) => n + (t.outputSchema ? bytes(t.outputSchema) : 0), 0) };
}

/** Characters and tokens per tool (its entry as sent), largest first, and of the whole list as sent. */
export function footprintOf(tools: ListedTool[]): Footprint {
  const per = tools
    .map((t) => {
      const chars = sentToolChars(t);
      return { name: t.name, chars, tokens: chars / CHARS_PER_TOKEN };
    })
    .sort((a, b) => b.chars - a.chars);
  const chars = sentListChars(tools);
  const partChars = tools.reduce(
    (n, t) => n + t.name.length + (t.description ?? '').length + JSON.stringify(t.inputSchema).length,
    0,
  );
  return { tools: per, chars, tokens: chars / CHARS_PER_TOKEN, partChars };
}

/** One line per tool: name, characters, tokens. */
export function describeFootprint(f: Footprint, top = f.tools.length): string[] {
  return f.tools
    .slice(0, top)
    .map(
      (t) => `  ${t.name.padEnd(20)} ${String(t.chars).padStart(6)} chars  ${t.tokens.toFixed(0).padStart(5)} tokens`,
    );
}

export async function benchFootprint(): Promise<{ ok: boolean; lines: string[] }> {
  const list = await toolList();
  const f = footprintOf(sentOf(list));
  const ok = f.tokens <= FOOTPRINT_GOAL_TOKENS;
  const bytes = listBytes(list);
  return {
    ok,
    lines: [
      `footprint: ${f.tools.length} tools as sent (one JSON list of name, description, ` +
        `inputSchema), ${f.chars} characters ≈ ${f.tokens.toFixed(0)} tokens (goal ≤ ` +
        `${FOOTPRINT_GOAL_TOKENS}) ${ok ? 'OK' : 'MISSED'}`,
      `  the parts alone (name + description + schema): ${f.partChars} characters ≈ ` +
        `${(f.partChars / CHARS_PER_TOKEN).toFixed(0)} tokens`,
      `  the tools/list result whole (titles, annotations, output schemas): ${bytes.all} bytes, of which output ` +
        `schemas ${bytes.output}`,
      '  per tool, largest first:',
      ...describeFootprint(f),
    ],
  };
}
