/** Whose a resumable stream is (stream-owner.ts): a session, else the bearer token, else no-one's in particular. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { streamOwner } from '../../src/server/stream-owner.js';
import { bearerToken } from '../../src/server/http-guard.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const res = (session?: string) =>
  ({ getHeader: (name: string) => (name === 'mcp-session-id' ? session : undefined) }) as unknown as ServerResponse;
const TOKEN = 'a3f1c9e27b4d8f60a3f1';

describe('the owner of a resumable stream', () => {
  it('is the session a request carries, whatever its token', () => {
    expect(streamOwner(req({ 'mcp-session-id': 'abc' }))).toBe('session abc');
    expect(streamOwner(req({ 'mcp-session-id': 'abc', authorization: `Bearer ${TOKEN}` }))).toBe('session abc');
    expect(streamOwner(req({ 'mcp-session-id': 'abc' }))).not.toBe(streamOwner(req({ 'mcp-session-id': 'abd' })));
  });

  it('is the session given on an initialize answer, so the client resumes it with the id it was just given', () => {
    expect(streamOwner(req({}), res('fresh'))).toBe('session fresh');
    expect(streamOwner(req({ 'mcp-session-id': 'sent' }), res('fresh'))).toBe('session sent');
    expect(streamOwner(req({}), res(undefined))).toBe('anonymous');
  });

  it('is not a session id the protocol does not allow (it is no identity)', () => {
    expect(streamOwner(req({ 'mcp-session-id': 'a b' }))).toBe('anonymous');
  });

  it('without a session, is the bearer token, hashed: the same token, the same owner; never the token itself', () => {
    const owner = streamOwner(req({ authorization: `Bearer ${TOKEN}` }));
    expect(owner).toMatch(/^token [A-Za-z0-9_-]{43}$/);
    expect(owner).not.toContain(TOKEN);
    expect(streamOwner(req({ authorization: `bearer   ${TOKEN} ` }))).toBe(owner);
    expect(streamOwner(req({ authorization: `Bearer ${TOKEN}x` }))).not.toBe(owner);
  });

  it('with neither, is no-one in particular: every such request alike, and none with a session or a token', () => {
    expect(streamOwner(req({}))).toBe('anonymous');
    expect(streamOwner(req({ authorization: 'Basic abc' }))).toBe('anonymous');
  });
});

describe('the bearer token of a request', () => {
  it('is what follows "Bearer", trimmed; else empty', () => {
    expect(bearerToken(req({ authorization: `Bearer ${TOKEN}` }))).toBe(TOKEN);
    expect(bearerToken(req({ authorization: `BEARER\t${TOKEN}  ` }))).toBe(TOKEN);
    expect(bearerToken(req({ authorization: `Basic ${TOKEN}` }))).toBe('');
    expect(bearerToken(req({ authorization: 'Bearer' }))).toBe('');
    expect(bearerToken(req({}))).toBe('');
  });
});
