// A name a client gives itself confers no agent's settings that a token stands for (issue 55, finding 5):
// only that token proves the agent, so any other caller of that name is kept apart, marked.
import { describe, expect, it } from 'vitest';
import { agentName, selfNamedAgent, UNKNOWN_AGENT } from '../../src/orchestrator/config/agents.js';
import { MAX_AGENT_NAME } from '../../src/orchestrator/config/agents-schema.js';

const TOKENS = { 'ci-bot': { tokenEnv: 'OLLM_TOKEN_CI' }, 'claude-desktop': { tokenEnv: 'OLLM_TOKEN_DESK' } };

describe('selfNamedAgent', () => {
  it('keeps a name no token stands for as it is', () => {
    for (const name of ['claude-code', 'Cursor 1.2', 'CI-Bot', 'ci-bot2', UNKNOWN_AGENT])
      expect(selfNamedAgent(name, TOKENS)).toBe(name);
    expect(selfNamedAgent('ci-bot', {})).toBe('ci-bot');
  });

  it("marks a name a token stands for, so it is neither that agent's entry nor its record", () => {
    expect(selfNamedAgent('ci-bot', TOKENS)).toBe('ci-bot (no token)');
    expect(selfNamedAgent('claude-desktop', TOKENS)).toBe('claude-desktop (no token)');
    expect(selfNamedAgent(agentName('  ci-bot\n'), TOKENS)).toBe('ci-bot (no token)'); // as cleaned where it enters
  });

  it('stays a valid agent name however long the token name', () => {
    const long = 'a'.repeat(MAX_AGENT_NAME);
    const marked = selfNamedAgent(long, { [long]: {} });
    expect(marked).toBe(`${'a'.repeat(MAX_AGENT_NAME - ' (no token)'.length)} (no token)`);
    expect(marked).toHaveLength(MAX_AGENT_NAME);
  });

  it('cut where a space falls, the mark follows the name without the space', () => {
    const long = `${'a'.repeat(MAX_AGENT_NAME - ' (no token)'.length - 1)} ${'b'.repeat(10)}`;
    expect(selfNamedAgent(long, { [long]: {} })).toBe(
      `${'a'.repeat(MAX_AGENT_NAME - ' (no token)'.length - 1)} (no token)`,
    );
  });

  it('is never a name a token stands for', () => {
    expect(selfNamedAgent('x', { x: {}, 'x (no token)': {} })).toBe(UNKNOWN_AGENT);
  });

  it('leaves a prototype key alone', () => {
    expect(selfNamedAgent('constructor', TOKENS)).toBe('constructor');
  });
});
