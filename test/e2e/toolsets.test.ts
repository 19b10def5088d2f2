/**
 * Toolsets end to end: the built server, started with `--toolsets` or the `toolsets` setting,
 * lists exactly the tools of the chosen sets to the official MCP client; a wrong set name stops
 * start-up with one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, run, tempHome } from '../helpers/spawn.js';
import { formatTokens } from '../../src/orchestrator/savings/ledger.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start();
});
afterAll(async () => {
  await fake?.stop();
});

const VALID = '"all", "offload", "models", "memory", "templates", "status"';

describe('toolsets', () => {
  it('--toolsets offload,memory offers exactly those tools, and the others are not there to call', async () => {
    const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host }, ['--toolsets', 'offload,memory']);
    try {
      const { tools } = await s.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'compare',
        'forget',
        'prefer_model',
        'rate_answer',
        'recall',
        'remember',
        'route_and_generate',
      ]);
      const instructions = s.client.getInstructions() ?? '';
      expect(instructions).toContain('remember / recall / forget');
      expect(instructions).not.toContain('list_models');
      const recalled = await s.client.callTool({ name: 'recall', arguments: {} });
      expect(recalled.isError, JSON.stringify(recalled.content)).toBeFalsy();
      await expect(s.client.callTool({ name: 'list_models', arguments: {} })).rejects.toThrow(/list_models not found/);
    } finally {
      await s.close();
    }
  });

  it('the toolsets setting in the settings file chooses them too', async () => {
    const s = await connect({ OLLM_HOME: tempHome('toolsets: [models, status]\n'), OLLAMA_HOST: fake.host });
    try {
      const { tools } = await s.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'create_model',
        'delete_model',
        'list_models',
        'pull_model',
        'show_model',
        'show_status',
        'smart_load',
        'unload_model',
      ]);
      // the ledger counts the list these tools make, as a client sends it to the model, and show_status says it
      const listed = JSON.stringify(
        tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
      ).length; // as clients send it
      const metrics = await s.client.readResource({ uri: 'ollm://metrics' });
      const { footprint } = JSON.parse((metrics.contents[0] as { text: string }).text) as {
        footprint: { tools: number; tokensPerTurn: number };
      };
      expect(footprint).toMatchObject({ tools: 8, tokensPerTurn: Math.ceil(listed / 3.8) });
      const status = await s.client.callTool({ name: 'show_status', arguments: {} });
      expect((status.content as Array<{ text: string }>)[0]!.text).toMatch(
        new RegExp(`The tool list \\(8 tools\\) costs you ~${formatTokens(footprint.tokensPerTurn)} tokens a turn`),
      );
    } finally {
      await s.close();
    }
  });

  it('a wrong set name stops start-up with one stderr line naming the key and the valid names', async () => {
    const flag = await run(['--toolsets', 'offload,memroy'], { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
    expect(flag.code).toBe(1);
    expect(flag.stdout).toBe('');
    expect(flag.stderr.trim().split('\n')).toEqual([
      `ollm-mcp: Invalid setting toolsets.1 = "memroy" (from flag --toolsets): expected one of ${VALID}.`,
    ]);

    const file = await run([], { OLLM_HOME: tempHome('toolsets: [everything]\n'), OLLAMA_HOST: fake.host });
    expect(file.code).toBe(1);
    expect(file.stdout).toBe('');
    const lines = file.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^ollm-mcp: Invalid setting toolsets\\.0 = "everything" \\(from .*config\\.yaml\\): ` +
          `expected one of ${VALID}\\.$`,
      ),
    );
  });
});
