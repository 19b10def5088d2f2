// The connected clients' time limits as show_status and doctor say them (issue 56, item 1): each
// client with its limit under the settings, a line naming the first ones, nothing without clients.
import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/orchestrator/config/schema.js';
import { clientsLine, withClientLimits } from '../../src/presenting/fleet.js';
import { clientLimitsCheck, MAX_CLIENTS_SAID } from '../../src/server/shared/report.js';
import type { Found } from '../../src/server/shared/servers.js';

const settings = settingsSchema.parse({ agents: { 'my-script': { timeoutSeconds: 0 }, bot: { timeoutSeconds: 600 } } });
const client = (name: string | undefined, pid: number) => ({
  ...(name !== undefined && { name }),
  pid,
  cwd: '/w',
  since: 'then',
});

describe('withClientLimits', () => {
  it('gives each client its limit in seconds (none when it waits as long as it takes) and in words', () => {
    const fleet = withClientLimits(
      { hosts: [], clients: [client('claude-ai', 1), client('my-script', 2), client('bot', 3), client(undefined, 4)] },
      settings,
    );
    expect(fleet.clients).toEqual([
      { ...client('claude-ai', 1), limitSeconds: 60, limit: 'waits 60 s (Claude Desktop)' },
      { ...client('my-script', 2), limit: 'waits as long as it takes (agents.my-script.timeoutSeconds)' },
      { ...client('bot', 3), limitSeconds: 600, limit: 'waits 600 s (agents.bot.timeoutSeconds)' },
      { ...client(undefined, 4), limitSeconds: 60, limit: "waits 60 s (the MCP SDK's default)" },
    ]);
  });

  it("shows Claude Code's 120 s and the Inspector CLI's 60 s as their rows say them", () => {
    const fleet = withClientLimits(
      { hosts: [], clients: [client('claude-code', 5), client('inspector-cli', 6)] },
      settings,
    );
    expect(fleet.clients).toEqual([
      { ...client('claude-code', 5), limitSeconds: 120, limit: 'moves calls to the background at 120 s (Claude Code)' },
      { ...client('inspector-cli', 6), limitSeconds: 60, limit: 'waits 60 s (the MCP Inspector CLI)' },
    ]);
  });

  it('leaves a fleet without a shared server without clients', () => {
    const fleet = withClientLimits({ hosts: [] }, settings);
    expect(fleet).toEqual({ hosts: [] });
  });
});

describe('clientsLine', () => {
  it('names each client, its pid and its limit', () => {
    const { clients } = withClientLimits(
      { hosts: [], clients: [client('claude-ai', 1), client('my-script', 2)] },
      settings,
    );
    expect(clientsLine(clients)).toBe(
      'Clients of the shared server, and how long each waits for a call: claude-ai (pid 1) waits ' +
        '60 s (Claude Desktop); my-script (pid 2) waits as long as it takes ' +
        '(agents.my-script.timeoutSeconds).',
    );
  });

  it('names the first eight and counts the rest; says nothing without clients', () => {
    const { clients } = withClientLimits(
      { hosts: [], clients: Array.from({ length: 11 }, (_, i) => client(`c${i}`, i)) },
      settings,
    );
    const line = clientsLine(clients);
    expect(line).toContain('c7 (pid 7)');
    expect(line).not.toContain('c8 (pid 8)');
    expect(line).toMatch(/; and 3 more\.$/);
    expect(clientsLine(undefined)).toBe('');
    expect(clientsLine([])).toBe('');
  });
});

const server = (clients: Array<ReturnType<typeof client>>): Found => ({
  place: { address: '/run/ollm/s.sock', dir: '/run/ollm', lock: '/run/ollm/s.lock' },
  name: 's',
  pid: 42,
  who: { ollm: 'clients', pid: 42, version: '1.0.0', clients },
});

describe("doctor's client time limits", () => {
  it('says how long each client of the servers waits, across servers', () => {
    const check = clientLimitsCheck(
      [server([client('claude-ai', 100)]), server([client('claude-code', 101), client('bot', 102)])],
      settings,
    );
    expect(check?.name).toBe('client time limits');
    expect(check?.level).toBe('ok');
    expect(check?.detail).toMatch(
      /^claude-ai \(pid 100\) waits 60 s \(Claude Desktop\); claude-code \(pid 101\) moves calls to the background at 120 s \(Claude Code\); bot \(pid 102\) waits 600 s \(agents\.bot\.timeoutSeconds\)\. /,
    );
    expect(check?.detail).toContain('agents.NAME.timeoutSeconds');
  });

  it('names the first MAX_CLIENTS_SAID and counts the rest', () => {
    const check = clientLimitsCheck(
      [server(Array.from({ length: MAX_CLIENTS_SAID + 2 }, (_, i) => client(`c${i}`, i)))],
      settings,
    );
    expect(check?.detail).toContain(`c${MAX_CLIENTS_SAID - 1} (pid`);
    expect(check?.detail).not.toContain(`c${MAX_CLIENTS_SAID} (pid`);
    expect(check?.detail).toContain('; and 2 more.');
  });

  it('is no line when no client is connected, or a server gives no answer', () => {
    expect(clientLimitsCheck([], settings)).toBeUndefined();
    expect(clientLimitsCheck([server([])], settings)).toBeUndefined();
    expect(clientLimitsCheck([{ ...server([]), who: undefined }], settings)).toBeUndefined();
  });
});
