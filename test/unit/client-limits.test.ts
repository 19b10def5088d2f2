// Each client's time limit (issue 56, item 1): the table by clientInfo.name, the SDK's 60 s for any
// other client, an agent's timeoutSeconds over both (0: no limit), and the setting's bounds.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/orchestrator/config/schema.js';
import {
  CLIENT_LIMITS,
  clientLimit,
  clientLimitField,
  connectedClientLimit,
  knownClient,
  limitText,
  SDK_DEFAULT_SECONDS,
} from '../../src/orchestrator/config/client-limits.js';
import { MAX_TIMEOUT_SECONDS } from '../../src/orchestrator/config/agents-schema.js';
import { answerWithin } from '../../src/orchestrator/generation/hand-over.js';

const settings = (agents: Record<string, unknown> = {}, tokens: Record<string, unknown> = {}) =>
  settingsSchema.parse({ agents, http: { tokens } });

describe('clientLimit', () => {
  it('gives a known client its row, saying which client it is', () => {
    expect(clientLimit('claude-ai', settings())).toEqual({
      seconds: 60,
      source: 'claude-ai cuts calls at 60 s (Claude Desktop)',
    });
    expect(clientLimit('Visual Studio Code', settings())).toEqual({
      seconds: 300,
      source: 'Visual Studio Code cuts calls at 300 s (VS Code (GitHub Copilot))',
    });
    expect(clientLimit('codex-mcp-client', settings()).seconds).toBe(300);
  });

  it(
    'gives another ollm-mcp (a kind: ollm host calling for its clients) no limit: it follows ' +
      'progress and hand-overs itself',
    () => {
      expect(clientLimit('ollm-mcp', settings()).seconds).toBeUndefined();
      expect(
        clientLimit('ollm-mcp', settings({ 'laptop-a/claude-code': { timeoutSeconds: 120 } }), 'laptop-a/claude-code')
          .seconds,
      ).toBe(120);
    },
  );

  it('gives Claude Code 120 s (it moves a call to the background then), so the hand-over comes before 110 s', () => {
    expect(clientLimit('claude-code', settings())).toEqual({
      seconds: 120,
      source: 'claude-code moves calls to the background at 120 s (Claude Code)',
    });
    const within = answerWithin(clientLimit('claude-code', settings()).seconds! * 1000)!;
    expect(within).toBe(108_000);
    expect(within).toBeLessThan(110_000);
  });

  it(
    'gives Claude Code no limit where settings say agents.claude-code.timeoutSeconds: 0 ' +
      '(auto-backgrounding disabled), another figure where they give one',
    () => {
      expect(clientLimit('claude-code', settings({ 'claude-code': { timeoutSeconds: 0 } }), 'claude-code')).toEqual({
        seconds: undefined,
        source: 'agents.claude-code.timeoutSeconds',
      });
      expect(
        clientLimit('claude-code', settings({ 'claude-code': { timeoutSeconds: 300 } }), 'claude-code').seconds,
      ).toBe(300);
      expect(
        answerWithin(
          clientLimit('claude-code', settings({ 'claude-code': { timeoutSeconds: 0 } }), 'claude-code').seconds,
        ),
      ).toBeUndefined();
    },
  );

  it("knows the MCP Inspector's CLI (inspector-cli) and TUI at the SDK's 60 s, and keeps its web UI's names", () => {
    for (const name of ['inspector-cli', 'inspector-tui', 'inspector-client', 'mcp-inspector']) {
      expect(knownClient(name)?.name).toBe(name);
      expect(clientLimit(name, settings()).seconds).toBe(60);
    }
    expect(clientLimit('inspector-cli', settings()).source).toBe(
      'inspector-cli cuts calls at 60 s (the MCP Inspector CLI)',
    );
  });

  it("gives an unknown client, or one that gave no name, the MCP SDK's 60 s", () => {
    expect(clientLimit('my-script', settings())).toEqual({
      seconds: SDK_DEFAULT_SECONDS,
      source: "the MCP SDK's default",
    });
    expect(clientLimit(undefined, settings())).toEqual({ seconds: 60, source: "the MCP SDK's default" });
    expect(SDK_DEFAULT_SECONDS).toBe(60);
  });

  it("takes the agent's timeoutSeconds over its client's row and over the default", () => {
    const s = settings({ 'ci-bot': { timeoutSeconds: 900 }, 'claude-ai': { timeoutSeconds: 30 } });
    expect(clientLimit('my-script', s, 'ci-bot')).toEqual({ seconds: 900, source: 'agents.ci-bot.timeoutSeconds' });
    expect(clientLimit('claude-ai', s, 'claude-ai')).toEqual({
      seconds: 30,
      source: 'agents.claude-ai.timeoutSeconds',
    });
    // an entry without timeoutSeconds leaves the table's figure
    expect(clientLimit('claude-ai', settings({ 'claude-ai': { system: 'Be brief.' } }), 'claude-ai').seconds).toBe(60);
    // the entry is the agent's, not the client's: a client calling as another agent gets that agent's
    expect(clientLimit('claude-code', s, 'ci-bot').seconds).toBe(900);
    expect(clientLimit('ci-bot', s, 'someone-else').seconds).toBe(60);
  });

  it('takes timeoutSeconds 0 as no limit', () => {
    expect(clientLimit('claude-ai', settings({ 'claude-ai': { timeoutSeconds: 0 } }), 'claude-ai')).toEqual({
      seconds: undefined,
      source: 'agents.claude-ai.timeoutSeconds',
    });
  });

  it(
    'matches a name differing only in case, never one with more to it (a version suffix is ' +
      'another client: the default)',
    () => {
      expect(knownClient('Claude-AI')?.name).toBe('claude-ai');
      expect(knownClient('visual studio code')?.name).toBe('Visual Studio Code');
      expect(clientLimit('CLAUDE-CODE', settings()).seconds).toBe(120);
      expect(knownClient('claude-code 2.1')).toBeUndefined();
      expect(clientLimit('claude-code/2.1.0', settings())).toEqual({ seconds: 60, source: "the MCP SDK's default" });
      expect(knownClient(' claude-ai')).toBeUndefined();
    },
  );

  it('prefers the exact name where two rows differ only in case', () => {
    // no two rows may differ only in case, or the case-blind match would pick one at random
    const lower = CLIENT_LIMITS.map((c) => c.name.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
    for (const row of CLIENT_LIMITS) expect(knownClient(row.name)).toBe(row);
  });
});

describe('connectedClientLimit', () => {
  it("finds a stdio client's agent by its name, as tools/agent.ts does", () => {
    expect(connectedClientLimit('claude-ai', settings({ 'claude-ai': { timeoutSeconds: 120 } }))).toEqual({
      seconds: 120,
      source: 'agents.claude-ai.timeoutSeconds',
    });
  });

  it("never gives a client naming itself after a token's agent that agent's timeoutSeconds", () => {
    const s = settings({ 'ci-bot': { timeoutSeconds: 0 } }, { 'ci-bot': { tokenEnv: 'OLLM_TOKEN_CI' } });
    expect(connectedClientLimit('ci-bot', s)).toEqual({ seconds: 60, source: "the MCP SDK's default" });
  });
});

describe('limitText and clientLimitField', () => {
  it('say the limit in a few words: the app, the setting or the default', () => {
    expect(limitText(clientLimit('claude-ai', settings()), 'claude-ai')).toBe('waits 60 s (Claude Desktop)');
    expect(limitText(clientLimit('claude-code', settings()), 'claude-code')).toBe(
      'moves calls to the background at 120 s (Claude Code)',
    );
    expect(limitText(clientLimit('inspector-cli', settings()), 'inspector-cli')).toBe(
      'waits 60 s (the MCP Inspector CLI)',
    );
    expect(limitText(clientLimit('x', settings()), 'x')).toBe("waits 60 s (the MCP SDK's default)");
    const s = settings({ 'claude-ai': { timeoutSeconds: 0 } });
    expect(limitText(clientLimit('claude-ai', s, 'claude-ai'), 'claude-ai')).toBe(
      'waits as long as it takes (agents.claude-ai.timeoutSeconds)',
    );
    // a setting for Claude Code is said as the setting, not as its backgrounding
    const code = settings({ 'claude-code': { timeoutSeconds: 90 } });
    expect(limitText(clientLimit('claude-code', code, 'claude-code'), 'claude-code')).toBe(
      'waits 90 s (agents.claude-code.timeoutSeconds)',
    );
    expect(
      limitText(
        clientLimit('claude-code', settings({ 'claude-code': { timeoutSeconds: 0 } }), 'claude-code'),
        'claude-code',
      ),
    ).toBe('waits as long as it takes (agents.claude-code.timeoutSeconds)');
  });

  it('carry the limit in ms into a request, nothing when there is none', () => {
    expect(clientLimitField({ seconds: 60, source: 'x' })).toEqual({ clientLimitMs: 60_000 });
    expect(clientLimitField({ seconds: undefined, source: 'x' })).toEqual({});
  });
});

describe('agents.NAME.timeoutSeconds in settings', () => {
  const problem = (timeoutSeconds: unknown) => {
    const r = settingsSchema.safeParse({ agents: { a: { timeoutSeconds } } });
    return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it.each([0, 1, 60, MAX_TIMEOUT_SECONDS])('takes %s', (v) => {
    expect(problem(v)).toBeUndefined();
    expect(settingsSchema.parse({ agents: { a: { timeoutSeconds: v } } }).agents.a!.timeoutSeconds).toBe(v);
  });

  it.each([
    ['a negative number', -1, /agents\.a\.timeoutSeconds: Too small/],
    ['more than a day', MAX_TIMEOUT_SECONDS + 1, /agents\.a\.timeoutSeconds: Too big/],
    ['a fraction', 1.5, /agents\.a\.timeoutSeconds: .*expected int,/],
    ['a string', '60', /agents\.a\.timeoutSeconds: .*expected number/i],
  ])('refuses %s', (_what, v, why) => {
    expect(problem(v)).toMatch(why);
  });

  it('is a day at most', () => {
    expect(MAX_TIMEOUT_SECONDS).toBe(86_400);
  });
});

describe('docs/long-work.md "Each client\'s time limit"', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/long-work.md', import.meta.url)), 'utf8');
  const section = doc.slice(
    doc.indexOf("## Each client's time limit"),
    doc.indexOf('## Work longer than the client waits'),
  );
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| client') && !l.startsWith('|---'));

  it("names every row of the table, with the row's figure", () => {
    for (const row of CLIENT_LIMITS) {
      const line = rows.find((l) => l.split('|')[1]!.includes(`\`${row.name}\``));
      expect(line, row.name).toBeDefined();
      const waits = line!.split('|')[2]!;
      expect(waits, row.name).toContain(row.seconds === undefined ? 'as long as it takes' : `${row.seconds} s`);
    }
  });

  it('names no client the table does not know', () => {
    const named = rows.flatMap((l) => [...l.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    for (const name of named) expect(knownClient(name)?.name, name).toBe(name);
  });
});
