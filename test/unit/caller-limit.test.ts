// The calling client's time limit as a tool's ToolContext gets it (issue 56, item 1): by the name
// the client gives itself — per request in the 2026 era, else from initialize, else the session's —
// and by its agent's settings; an HTTP token names the agent, never the client.
import { describe, expect, it } from 'vitest';
import { CLIENT_INFO_META_KEY, type McpServer } from '@modelcontextprotocol/server';
import { settingsSchema } from '../../src/orchestrator/config/schema.js';
import { bindCaller, callerLimit, callingAgent, clientInfoName } from '../../src/tools/agent.js';

const server = (name?: string) =>
  ({
    server: { getClientVersion: () => (name === undefined ? undefined : { name, version: '1' }) },
  }) as unknown as McpServer;
const settings = settingsSchema.parse({
  agents: { 'ci-bot': { timeoutSeconds: 1200 } },
  http: { tokens: { 'ci-bot': { tokenEnv: 'OLLM_TOKEN_CI' } } },
});

describe('clientInfoName', () => {
  it("takes the request's own clientInfo over the connection's, and the connection's over the session's", () => {
    expect(clientInfoName(server('claude-ai'), { [CLIENT_INFO_META_KEY]: { name: 'claude-code', version: '2' } })).toBe(
      'claude-code',
    );
    expect(clientInfoName(server('claude-ai'), {})).toBe('claude-ai');
    expect(clientInfoName(bindCaller(server(), { session: 'Cline' }), undefined)).toBe('Cline');
    expect(clientInfoName(server(), undefined)).toBeUndefined();
  });
});

describe('callerLimit', () => {
  it("gives a known client its row and any other the SDK's 60 s", () => {
    expect(callerLimit(server('claude-ai'), settings, 'claude-ai')).toEqual({
      seconds: 60,
      source: 'claude-ai cuts calls at 60 s (Claude Desktop)',
    });
    expect(callerLimit(server('claude-code'), settings, 'claude-code').seconds).toBe(120);
    expect(callerLimit(server('my-script'), settings, 'my-script')).toEqual({
      seconds: 60,
      source: "the MCP SDK's default",
    });
  });

  it('goes by the per-request clientInfo of the 2026 era', () => {
    expect(
      callerLimit(server('claude-ai'), settings, 'x', { [CLIENT_INFO_META_KEY]: { name: 'claude-code' } }).seconds,
    ).toBe(120);
  });

  it("gives a token's agent its timeoutSeconds whatever its client calls itself", () => {
    const agent = callingAgent(bindCaller(server('claude-ai'), { token: 'ci-bot' }), settings);
    expect(agent).toBe('ci-bot');
    expect(callerLimit(server('claude-ai'), settings, agent)).toEqual({
      seconds: 1200,
      source: 'agents.ci-bot.timeoutSeconds',
    });
  });

  it("never gives a client naming itself after a token's agent that agent's limit", () => {
    const agent = callingAgent(server('ci-bot'), settings);
    expect(agent).toBe('ci-bot (no token)');
    expect(callerLimit(server('ci-bot'), settings, agent)).toEqual({ seconds: 60, source: "the MCP SDK's default" });
  });

  it('reads a name with control characters as it is shown: cleaned, never matched raw', () => {
    expect(callerLimit(server('claude-ai\u0007'), settings, 'x').source).toBe(
      'claude-ai cuts calls at 60 s (Claude Desktop)',
    );
    expect(callerLimit(server('\u001b[31mclaude-code\u001b[0m'), settings, 'x').seconds).toBe(120);
  });
});
