// Each agent known over HTTP too (issue 43, item 3): `http.tokens` names a bearer token per agent.
// Both sides of the settings' check, of the start-up check of the values (set, long enough, no two
// alike, never quoted), of the match (constant time, against every token) and of the guard, which
// admits a request as the agent its token stands for.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { settingsSchema } from '../../src/orchestrator/config/schema.js';
import { configuredSecrets, secretVariables } from '../../src/orchestrator/config/secrets.js';
import { admit, matchToken, type HttpToken } from '../../src/server/http-guard.js';
import { acceptedTokens } from '../../src/server/http-tokens.js';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const DESKTOP = 'desk-0123456789abcdef';
const CI = 'ci-bot-0123456789abcd';
const UNNAMED = 'plain-0123456789abcde';

const problem = (tokens: unknown) => {
  const r = settingsSchema.safeParse({ http: { tokens } });
  return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('http.tokens in settings', () => {
  it('takes agents named by a variable each, and is empty by default', () => {
    const tokens = { 'claude-desktop': { tokenEnv: 'OLLM_TOKEN_DESKTOP' }, 'Ci Bot~1': { tokenEnv: '_CI' } };
    expect(settingsSchema.parse({ http: { tokens } }).http.tokens).toEqual(tokens);
    expect(settingsSchema.parse({}).http.tokens).toEqual({});
    expect(problem({ ['x'.repeat(64)]: { tokenEnv: 'A' } })).toBeUndefined();
  });

  it.each([
    [
      'the token itself in place of its variable',
      { ci: 'ci-bot-0123456789abcd' },
      /http\.tokens\.ci: Invalid input: expected object/,
    ],
    [
      'a variable name that is not one',
      { ci: { tokenEnv: 'ci-token' } },
      /http\.tokens\.ci\.tokenEnv: an environment variable name/,
    ],
    ['a variable name starting with a digit', { ci: { tokenEnv: '1CI' } }, /tokenEnv: an environment variable name/],
    ['no variable', { ci: {} }, /http\.tokens\.ci\.tokenEnv: Invalid input/],
    ['an unknown key', { ci: { tokenEnv: 'CI', token: 'x' } }, /http\.tokens\.ci: Unrecognized key: "token"/],
    ['an empty name', { '': { tokenEnv: 'CI' } }, /http\.tokens\.: a token's name is the agent it stands for/],
    ['a name with spaces around it', { ' ci': { tokenEnv: 'CI' } }, /http\.tokens\. ci: a token's name/],
    ['a name longer than 64 characters', { ['x'.repeat(65)]: { tokenEnv: 'CI' } }, /x{65}: a token's name/],
    ['a name with a control character', { 'c\ti': { tokenEnv: 'CI' } }, /a token's name/],
    ['the name of clients that give none', { unknown: { tokenEnv: 'CI' } }, /not "unknown"/],
    [
      'one variable for two agents',
      { a: { tokenEnv: 'SAME' }, b: { tokenEnv: 'SAME' } },
      /^http\.tokens\.b\.tokenEnv: SAME is already the token of "a": each agent needs a token of its own$/,
    ],
  ])('refuses %s', (_what, tokens, why) => {
    expect(problem(tokens)).toMatch(why);
  });

  it('their variables are secrets: redacted wherever the configured ones are', () => {
    const settings = settingsSchema.parse({
      http: { tokens: { desk: { tokenEnv: 'TOKEN_DESK' }, ci: { tokenEnv: 'TOKEN_CI' } } },
    });
    expect(secretVariables(settings)).toEqual(expect.arrayContaining(['TOKEN_DESK', 'TOKEN_CI', 'OLLM_HTTP_TOKEN']));
    expect(
      configuredSecrets(settings, { TOKEN_DESK: ` ${DESKTOP} `, TOKEN_CI: CI, OTHER: 'not-a-secret-12345' }).sort(),
    ).toEqual([CI, DESKTOP].sort());
  });
});

const NAMED = { 'claude-desktop': { tokenEnv: 'T_DESK' }, 'ci-bot': { tokenEnv: 'T_CI' } };
const ENV = { T_DESK: DESKTOP, T_CI: ` ${CI}\t` };

describe('the tokens an HTTP server starts with', () => {
  it('none without a token or http.tokens', () => {
    expect(acceptedTokens({}, ENV)).toEqual({ tokens: [] });
  });

  it('the unnamed one first, then each named one read from its variable, all trimmed', () => {
    expect(acceptedTokens(NAMED, ENV, { value: `  ${UNNAMED} `, source: '--token' })).toStrictEqual({
      tokens: [
        { value: UNNAMED, source: '--token' },
        { value: DESKTOP, source: 'http.tokens.claude-desktop (T_DESK)', agent: 'claude-desktop' },
        { value: CI, source: 'http.tokens.ci-bot (T_CI)', agent: 'ci-bot' },
      ],
    });
    expect(acceptedTokens(NAMED, ENV)).toMatchObject({ tokens: [{ agent: 'claude-desktop' }, { agent: 'ci-bot' }] });
  });

  it('refuses a named token whose variable is not set, naming the entry and the variable', () => {
    expect(acceptedTokens(NAMED, { T_DESK: DESKTOP })).toEqual({
      problem:
        'http.tokens.ci-bot (T_CI) is not set: set that variable to the token agent "ci-bot" sends ' +
        '(make one with `openssl rand -hex 16`), or remove the entry.',
    });
  });

  it('refuses a named token shorter than 16 characters, or empty, as the unnamed one is', () => {
    expect(acceptedTokens(NAMED, { ...ENV, T_CI: 'x'.repeat(15) })).toEqual({
      problem: expect.stringMatching(
        /^http\.tokens\.ci-bot \(T_CI\) is 15 characters long; a bearer token needs at least 16/,
      ),
    });
    expect(acceptedTokens(NAMED, { ...ENV, T_CI: '   ' })).toEqual({
      problem: expect.stringMatching(/^http\.tokens\.ci-bot \(T_CI\) is empty \(only spaces\)/),
    });
    expect(acceptedTokens(NAMED, { ...ENV, T_CI: '' })).toEqual({
      problem: expect.stringMatching(/^http\.tokens\.ci-bot \(T_CI\) is empty;/),
    });
    expect(acceptedTokens({}, {}, { value: 'short', source: 'OLLM_HTTP_TOKEN' })).toEqual({
      problem: expect.stringMatching(/^OLLM_HTTP_TOKEN is 5 characters long/),
    });
    expect(acceptedTokens(NAMED, { ...ENV, T_CI: 'x'.repeat(16) })).toHaveProperty('tokens');
  });

  it('refuses two tokens alike (spaces around not counted), naming both, never the token', () => {
    const two = acceptedTokens(NAMED, { T_DESK: DESKTOP, T_CI: ` ${DESKTOP} ` });
    expect(two).toEqual({
      problem:
        'http.tokens.claude-desktop (T_DESK) and http.tokens.ci-bot (T_CI) are the same token: give ' +
        'each agent a token of its own, so its requests tell it apart.',
    });
    const withUnnamed = acceptedTokens(NAMED, ENV, { value: CI, source: '--token' });
    expect(withUnnamed).toEqual({
      problem: expect.stringMatching(/^--token and http\.tokens\.ci-bot \(T_CI\) are the same token/),
    });
    for (const r of [two, withUnnamed, acceptedTokens(NAMED, { ...ENV, T_CI: 'short-ci' })]) {
      const text = JSON.stringify(r);
      for (const secret of [DESKTOP, CI, 'short-ci']) expect(text).not.toContain(secret);
    }
  });
});

const TOKENS: HttpToken[] = [
  { value: UNNAMED, source: '--token' },
  { value: DESKTOP, source: 'http.tokens.claude-desktop (T_DESK)', agent: 'claude-desktop' },
  { value: CI, source: 'http.tokens.ci-bot (T_CI)', agent: 'ci-bot' },
];

describe('matching a token', () => {
  it('finds the token sent, with the agent it stands for', () => {
    expect(matchToken(DESKTOP, TOKENS)?.agent).toBe('claude-desktop');
    expect(matchToken(CI, TOKENS)?.agent).toBe('ci-bot');
    expect(matchToken(UNNAMED, TOKENS)).toEqual({ value: UNNAMED, source: '--token' });
  });

  it('finds nothing for a token not given, however close', () => {
    for (const sent of ['', CI.slice(0, -1), `${CI}x`, CI.toUpperCase(), `${DESKTOP}${CI}`])
      expect(matchToken(sent, TOKENS), sent).toBeUndefined();
    expect(matchToken(CI, [])).toBeUndefined();
  });

  it('compares in constant time with every token, of one length, even when the first matches', async () => {
    // the guard as loaded afresh, so it sees the watched node:crypto (unit files share modules)
    vi.resetModules();
    const { matchToken: match } = await import('../../src/server/http-guard.js');
    const compare = vi.mocked((await import('node:crypto')).timingSafeEqual);
    compare.mockClear();
    expect(match(UNNAMED, TOKENS)?.source).toBe('--token');
    expect(compare).toHaveBeenCalledTimes(TOKENS.length);
    for (const [a, b] of compare.mock.calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    compare.mockClear();
    expect(match('short', TOKENS)).toBeUndefined();
    expect(compare).toHaveBeenCalledTimes(TOKENS.length);
  });
});

function request(authorization?: string) {
  const headers = { host: '127.0.0.1:3333', ...(authorization && { authorization }) };
  const req = {
    url: '/mcp',
    method: 'POST',
    headers,
    rawHeaders: Object.entries(headers).flat(),
  } as unknown as IncomingMessage;
  const answer: { status?: number } = {};
  const res = {
    writeHead: (status: number) => void (answer.status = status),
    end: () => undefined,
  } as unknown as ServerResponse;
  return { req, res, answer };
}

describe('the guard with named tokens', () => {
  const options = { host: '127.0.0.1', tokens: TOKENS };
  it('admits a request with a named token as that agent, with the unnamed one as itself', () => {
    for (const [token, agent] of [
      [DESKTOP, 'claude-desktop'],
      [CI, 'ci-bot'],
      [UNNAMED, undefined],
    ] as const) {
      const { req, res, answer } = request(`Bearer ${token}`);
      expect(admit(options, req, res)).toEqual({ agent });
      expect(answer.status).toBeUndefined();
    }
  });

  it('refuses a request without one of them, on loopback too', () => {
    for (const auth of [undefined, 'Bearer not-any-of-the-tokens', `Bearer ${CI.slice(1)}`]) {
      const { req, res, answer } = request(auth);
      expect(admit(options, req, res)).toBe(false);
      expect(answer.status).toBe(401);
    }
  });

  it('asks for no token when none is given', () => {
    for (const tokens of [undefined, []]) {
      const { req, res } = request();
      expect(admit({ host: '127.0.0.1', ...(tokens && { tokens }) }, req, res)).toEqual({ agent: undefined });
    }
  });
});
