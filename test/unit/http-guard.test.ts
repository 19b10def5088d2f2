/**
 * The HTTP guard at the level a mutation run sees (the end-to-end tests drive it through the
 * built server too): who may talk to the server, and the 4xx each refused request gets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { admit, type GuardOptions } from '../../src/server/http-guard.js';

const TOKEN = 'a3f1c9e27b4d8f60'; // 16 characters

function request(over: { url?: string; method?: string; headers?: Record<string, string>; hosts?: string[] } = {}) {
  const headers = { host: '127.0.0.1:8080', ...over.headers };
  const hosts = over.hosts ?? (headers.host === '' ? [] : [headers.host]);
  const rawHeaders = [...hosts.flatMap((h) => ['Host', h]), ...Object.entries(headers).filter(([k]) => k !== 'host').flatMap(([k, v]) => [k, v])];
  const req = { url: over.url ?? '/mcp', method: over.method ?? 'POST', headers: hosts.length ? { ...headers, host: hosts[0] } : { ...headers, host: undefined }, rawHeaders } as unknown as IncomingMessage;
  const answer: { status?: number; headers?: Record<string, string>; message?: string } = {};
  const res = {
    writeHead(status: number, h: Record<string, string>) {
      answer.status = status;
      answer.headers = h;
    },
    end(body: string) {
      answer.message = (JSON.parse(body) as { error: { message: string } }).error.message;
    },
  } as unknown as ServerResponse;
  return { req, res, answer };
}

const run = (options: GuardOptions, over: Parameters<typeof request>[0] = {}) => {
  const { req, res, answer } = request(over);
  return { admitted: admit(options, req, res), ...answer };
};
const local: GuardOptions = { host: '127.0.0.1' };
const wide: GuardOptions = { host: '0.0.0.0', token: TOKEN };

describe('the HTTP guard', () => {
  it('admits a loopback request on a loopback server', () => {
    expect(run(local)).toEqual({ admitted: true });
    expect(run(local, { headers: { host: 'localhost:8080', origin: 'http://localhost:5173' } }).admitted).toBe(true);
  });

  it('refuses a target that is not a path', () => {
    for (const url of ['http://evil.example/mcp', '*', '//evil.example/mcp']) expect(run(local, { url })).toMatchObject({ admitted: false, status: 400, message: expect.stringMatching(/must be a path/) });
  });

  it('refuses no Host, two Hosts and a malformed Host', () => {
    expect(run(local, { hosts: [] })).toMatchObject({ admitted: false, status: 400, message: 'Bad Request: the request has no Host header.' });
    expect(run(local, { hosts: ['127.0.0.1', '127.0.0.1'] })).toMatchObject({ admitted: false, status: 400, message: 'Bad Request: the request has more than one Host header.' });
    expect(run(local, { headers: { host: 'a b' } })).toMatchObject({ admitted: false, status: 400, message: expect.stringMatching(/is not a host name/) });
    expect(run(local, { headers: { host: '127.0.0.1:70000' } })).toMatchObject({ admitted: false, status: 400 });
  });

  it('on loopback, refuses a Host that is not this machine (DNS rebinding) and a web page from elsewhere', () => {
    expect(run(local, { headers: { host: 'evil.example:8080' } })).toMatchObject({ admitted: false, status: 403, message: expect.stringMatching(/only localhost names/) });
    expect(run(local, { headers: { origin: 'https://evil.example' } })).toMatchObject({ admitted: false, status: 403, message: expect.stringMatching(/web page at "https:\/\/evil\.example"/) });
    expect(run(local, { headers: { origin: 'not an origin' } })).toMatchObject({ admitted: false, status: 403 });
  });

  it('bound wider, admits any Host with the token, and a page only from that same host', () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect(run(wide, { headers: { host: 'gpubox.lan:8080', ...auth } }).admitted).toBe(true);
    expect(run(wide, { headers: { host: 'gpubox.lan:8080', origin: 'http://gpubox.lan:8080', ...auth } }).admitted).toBe(true);
    expect(run(wide, { headers: { host: 'gpubox.lan:8080', origin: 'http://other.lan', ...auth } })).toMatchObject({ admitted: false, status: 403 });
  });

  it('refuses a wrong token of the same length, not only one of another length', () => {
    const same = `${TOKEN.slice(0, -1)}${TOKEN.endsWith('0') ? '1' : '0'}`;
    expect(same).toHaveLength(TOKEN.length);
    const r = run(wide, { headers: { host: 'gpubox.lan', authorization: `Bearer ${same}` } });
    expect(r).toMatchObject({ admitted: false, status: 401, message: expect.stringMatching(/^Unauthorized: the token is wrong — send "Authorization: Bearer <token>"/) });
    expect(r.headers?.['www-authenticate']).toBe('Bearer realm="ollm-mcp"');
    expect(run(wide, { headers: { host: 'gpubox.lan', authorization: `Bearer ${TOKEN}x` } }).admitted).toBe(false);
    expect(run(wide, { headers: { host: 'gpubox.lan', authorization: `bearer   ${TOKEN}  ` } }).admitted).toBe(true);
  });

  it('without a token says how to send one; a page says to put it in its address', () => {
    expect(run(wide, { headers: { host: 'gpubox.lan' } })).toMatchObject({ status: 401, message: 'Unauthorized: send "Authorization: Bearer <token>" (the server was started with a token).' });
    expect(run(wide, { headers: { host: 'gpubox.lan', authorization: TOKEN } })).toMatchObject({ status: 401, message: expect.stringMatching(/^Unauthorized: send/) });
    for (const path of ['/', '/status', '/compare']) expect(run(wide, { method: 'GET', url: `${path}?x=1`, headers: { host: 'gpubox.lan' } }).message).toBe(`Unauthorized: open ${path}?token=<token> (the token the server was started with).`);
    expect(run(wide, { method: 'GET', url: '/mcp', headers: { host: 'gpubox.lan' } }).message).toMatch(/^Unauthorized: send/);
  });
});
