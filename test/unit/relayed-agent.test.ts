// Who asked, end to end (issue 57, item 2): a laptop's ollm-mcp calling a team's box names its own
// calling agent in the request's _meta; the box names such a call `<token's agent>/<agent>` — only
// when the request came with a named token (http.tokens), never from a caller without one, who
// could otherwise pose as anyone — bounded and cleaned like any agent name.
import { describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/server';
import { AGENT_META_KEY, OWNER_META_KEY, relayedAgent, UNKNOWN_AGENT } from '../../src/orchestrator/config/agents.js';
import { MAX_AGENT_NAME } from '../../src/orchestrator/config/agents-schema.js';
import { bindCaller, callingAgent } from '../../src/presenting/calling-agent.js';
import { AGENT_META_KEY as SENT_KEY } from '../../src/orchestrator/config/agents.js';

const SETTINGS = { http: { tokens: { 'laptop-a': { tokenEnv: 'TOKEN_A' } } } } as never;
const server = new McpServer({ name: 'box', version: '1' });
/**
 * A server made for a request whose caller the transport knows: by its token's agent, or its 2025-era
 * session's name.
 */
const madeFor = (caller: { token?: string; session?: string }) =>
  bindCaller(new McpServer({ name: 'box', version: '1' }), caller);
const meta = (agent: unknown) => ({ progressToken: 7, [AGENT_META_KEY]: agent });

describe('relayedAgent', () => {
  it('names the call <token>/<agent>', () => {
    expect(relayedAgent('laptop-a', 'claude-code')).toBe('laptop-a/claude-code');
  });

  it('is the token alone when no agent is named, or nothing printable is left of it', () => {
    expect(relayedAgent('laptop-a', undefined)).toBe('laptop-a');
    expect(relayedAgent('laptop-a', 42)).toBe('laptop-a');
    expect(relayedAgent('laptop-a', { name: 'x' })).toBe('laptop-a');
    expect(relayedAgent('laptop-a', '\u0000\n\t')).toBe('laptop-a');
    expect(relayedAgent('laptop-a', '')).toBe('laptop-a');
  });

  it('cleans and bounds the name as any agent name', () => {
    expect(relayedAgent('laptop-a', '  cursor\u001b[31m \n')).toBe('laptop-a/cursor[31m');
    const long = relayedAgent('laptop-a', 'x'.repeat(10_000));
    expect(long).toHaveLength(MAX_AGENT_NAME);
    expect(long.startsWith('laptop-a/xxx')).toBe(true);
  });
});

describe('callingAgent on the box', () => {
  it('a call with a named token and the meta is <token>/<agent>', () => {
    expect(callingAgent(madeFor({ token: 'laptop-a' }), SETTINGS, undefined, meta('claude-code'))).toBe(
      'laptop-a/claude-code',
    );
  });

  it('a call with a named token and no meta is the token', () => {
    expect(callingAgent(madeFor({ token: 'laptop-a' }), SETTINGS, undefined, { progressToken: 1 })).toBe('laptop-a');
    expect(callingAgent(madeFor({ token: 'laptop-a' }), SETTINGS)).toBe('laptop-a');
  });

  it('without a named token the meta is ignored: the client is who it says it is, never who the meta claims', () => {
    expect(callingAgent(server, SETTINGS, undefined, meta('claude-code'))).toBe(UNKNOWN_AGENT);
    expect(callingAgent(madeFor({ session: 'cursor-vscode' }), SETTINGS, undefined, meta('laptop-a'))).toBe(
      'cursor-vscode',
    );
    // nor can it pose as the token's own agents
    expect(callingAgent(madeFor({ session: 'laptop-a' }), SETTINGS, undefined, meta('claude-code'))).toBe(
      'laptop-a (no token)',
    );
  });

  it('is sent under the key the box reads', () => {
    expect(SENT_KEY).toBe('io.ollm-mcp/agent');
  });
});

describe('the owner a relayed call carries (issue 72: prefix caches kept per owner on the box too)', () => {
  const withOwner = (owner: unknown) => ({ [AGENT_META_KEY]: 'claude-code', [OWNER_META_KEY]: owner });
  it("is read from a named token's call when it is an owner key", async () => {
    const { relayedOwner } = await import('../../src/presenting/calling-agent.js');
    expect(relayedOwner(madeFor({ token: 'laptop-a' }), withOwner('0123456789abcdef0123456789abcdef'))).toBe(
      '0123456789abcdef0123456789abcdef',
    );
  });

  it('is nothing without a named token, without the agent key, or when it is no owner key', async () => {
    const { relayedOwner } = await import('../../src/presenting/calling-agent.js');
    expect(relayedOwner(madeFor({ session: 'cursor' }), withOwner('0123456789abcdef0123456789abcdef'))).toBeUndefined();
    expect(
      relayedOwner(madeFor({ token: 'laptop-a' }), { [OWNER_META_KEY]: '0123456789abcdef0123456789abcdef' }),
    ).toBeUndefined();
    for (const bad of ['../../etc', 'ABCDEF0123456789', 'f'.repeat(65), 'abc', 42, null, { a: 1 }])
      expect(relayedOwner(madeFor({ token: 'laptop-a' }), withOwner(bad))).toBeUndefined();
  });
});
