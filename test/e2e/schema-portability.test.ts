/**
 * The tool list the built server publishes passes the MCP Inspector's portability check (issue 83, finding 6):
 * `mcp-inspector --cli … --method tools/list --strict` (2.12) found 8 warnings over 5 tools — smart_load's
 * `keepAlive` typed `["number","string"]`, which single-type dialects (Gemini's function declarations) reject,
 * and seven output fields with no type. The Inspector's rules run here as a pure check
 * (test/helpers/schema-portability.ts), over every tool's input and output schema as a client receives them.
 */
import { describe, expect, it } from 'vitest';
import { ALL_TOOL_NAMES } from '../../src/tools/toolsets.js';
import { closedAddress } from '../helpers/closed-address.js';
import { toolListFindings } from '../helpers/schema-portability.js';
import { connect, tempHome } from '../helpers/spawn.js';

describe('tool schemas strict clients accept', () => {
  it('no tool schema has a type array, an untyped value, a bare boolean schema or a remote $ref', async () => {
    // every tool offered, as a client lists them (no engine is asked to list them)
    const built = await connect({ OLLM_HOME: tempHome('toolsets: [all]\n'), OLLAMA_HOST: await closedAddress() });
    try {
      const tools = (await built.client.listTools()).tools;
      expect(tools.map((t) => t.name).sort()).toEqual([...ALL_TOOL_NAMES].sort());
      expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
      expect(toolListFindings(tools)).toEqual([]);
    } finally {
      await built.close();
    }
  });
});
