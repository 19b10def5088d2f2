// Whose a call's prompt is (issue 72): the agent, in its folder and scope, and the owner a relaying
// server gave it — an opaque key the engines and the box accept.
import { describe, expect, it } from 'vitest';
import { promptOwner } from '../../src/tools/prompt-owner.js';
import { OWNER_KEY } from '../../src/orchestrator/config/agents.js';

const ctx = (agent: string, folder: string, scope = 's', relayedOwner?: string) => ({
  agent,
  orch: { workingDir: folder } as never,
  scope: () => scope,
  ...(relayedOwner !== undefined && { relayedOwner }),
});

describe('promptOwner', () => {
  it('is the same key for the same agent, folder and scope, and an owner key', () => {
    const a = promptOwner(ctx('claude-code', '/p/a'));
    expect(promptOwner(ctx('claude-code', '/p/a'))).toBe(a);
    expect(a).toMatch(OWNER_KEY);
  });

  it('differs with the agent, the folder (two projects on one shared server), the scope and the relayed owner', () => {
    const a = promptOwner(ctx('claude-code', '/p/a'));
    const others = [
      ctx('cursor', '/p/a'),
      ctx('claude-code', '/p/b'),
      ctx('claude-code', '/p/a', 't'),
      ctx('claude-code', '/p/a', 's', '0123456789abcdef'),
    ];
    const keys = others.map(promptOwner);
    expect(new Set([a, ...keys]).size).toBe(5);
  });
});
