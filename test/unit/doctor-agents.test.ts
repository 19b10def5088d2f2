/**
 * `doctor` on `agents:` keys (issue 54, finding 9): `agents: {claude-desktop: …}` never applied —
 * Claude Desktop sends `claude-ai` — and nothing said so. A key is flagged only when no client has
 * used it here, no known client sends it and no HTTP token stands for it; the warning names the
 * client it most likely means. The other side: keys that apply are never flagged.
 */
import { describe, expect, it } from 'vitest';
import { agentsThatApplyToNone, KNOWN_CLIENTS } from '../../src/orchestrator/config/client-names.js';
import { agentNameChecks } from '../../src/orchestrator/doctor-agents.js';

describe('agents: keys that apply to no client', () => {
  it('flags an app name where the client name belongs, naming the client meant', () => {
    expect(agentsThatApplyToNone(['claude-desktop', 'Claude Desktop', 'vscode', 'Cursor'], [], [])).toEqual([
      { key: 'claude-desktop', meant: { name: 'claude-ai', app: 'Claude Desktop' } },
      { key: 'Claude Desktop', meant: { name: 'claude-ai', app: 'Claude Desktop' } },
      { key: 'vscode', meant: { name: 'Visual Studio Code', app: 'VS Code (GitHub Copilot)' } },
      { key: 'Cursor', meant: { name: 'cursor-vscode', app: 'Cursor' } },
    ]);
  });

  it('flags a name with another case or punctuation than one seen, and an unknown one without a guess', () => {
    expect(agentsThatApplyToNone(['My_Bot', 'nobody-uses-this'], ['my-bot'], [])).toEqual([
      { key: 'My_Bot', meant: { name: 'my-bot', app: 'a client seen here' } },
      { key: 'nobody-uses-this' },
    ]);
  });

  it('leaves alone a name seen here, a known client name, and an agent an HTTP token stands for', () => {
    expect(
      agentsThatApplyToNone(['my-bot', ...KNOWN_CLIENTS.map((c) => c.name), 'ci-bot'], ['my-bot'], ['ci-bot']),
    ).toEqual([]);
  });
});

describe('the doctor check', () => {
  it('warns per key, with the rename as the fix when the client meant is known', () => {
    const [check, other] = agentNameChecks(['claude-desktop', 'vscode', 'helper'], ['claude-code'], []);
    expect(check).toEqual({
      name: 'Agent settings',
      level: 'warn',
      detail:
        'agents.claude-desktop applies to no client: no client has connected with that name, and ' +
        'none is known to send it (Claude Desktop sends claude-ai)',
      fix: 'rename agents.claude-desktop to agents.claude-ai in settings',
    });
    expect(other!.fix).toBe('rename agents.vscode to agents."Visual Studio Code" in settings');
    const unknown = agentNameChecks(['helper'], ['claude-code'], [])[0]!;
    expect(unknown.fix).toBe(
      'key agents: by the name a client sends as clientInfo.name (Claude Desktop sends claude-ai, ' +
        'Claude Code sends claude-code, Cursor sends cursor-vscode; seen here: claude-code); ' +
        "show_status lists the connected clients' names",
    );
  });

  it('says nothing when every key applies', () => {
    expect(agentNameChecks(['claude-ai', 'ci-bot'], [], ['ci-bot'])).toEqual([]);
    expect(agentNameChecks([], ['claude-ai'], [])).toEqual([]);
  });
});
