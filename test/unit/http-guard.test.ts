/**
 * The HTTP guard at the level a mutation run sees (the end-to-end tests drive it through the
 * built server too): who may talk to the server, and the 4xx each refused request gets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { PassThrough } from 'node:stream';
import {
  admit,
  answerClientError,
  hostName,
  isLoopback,
  reply,
  tokenProblem,
  type GuardOptions,
} from '../../src/server/http-guard.js';

const TOKEN = 'a3f1c9e27b4d8f60'; // 16 characters

function request(over: { url?: string; method?: string; headers?: Record<string, string>; hosts?: string[] } = {}) {
  const headers = { host: '127.0.0.1:8080', ...over.headers };
  const hosts = over.hosts ?? (headers.host === '' ? [] : [headers.host]);
  const rawHeaders = [
    ...hosts.flatMap((h) => ['Host', h]),
    ...Object.entries(headers)
      .filter(([k]) => k !== 'host')
      .flatMap(([k, v]) => [k, v]),
  ];
  const req = {
    url: 'url' in over ? over.url : '/mcp',
    method: over.method ?? 'POST',
    headers: hosts.length ? { ...headers, host: hosts[0] } : { ...headers, host: undefined },
    rawHeaders,
  } as unknown as IncomingMessage;
  const answer: { status?: number; headers?: Record<string, string>; message?: string; body?: unknown } = {};
  const res = {
    writeHead(status: number, h: Record<string, string>) {
      answer.status = status;
      answer.headers = h;
    },
    end(body: string) {
      answer.body = JSON.parse(body);
      answer.message = (answer.body as { error: { message: string } }).error.message;
    },
  } as unknown as ServerResponse;
  return { req, res, answer };
}

const run = (options: GuardOptions, over: Parameters<typeof request>[0] = {}) => {
  const { req, res, answer } = request(over);
  const admitted = admit(options, req, res);
  const { body: _body, ...rest } = answer;
  // admitted as whom: the agent a named token stands for
  return {
    admitted: admitted !== false,
    ...(admitted && admitted.agent !== undefined && { agent: admitted.agent }),
    ...rest,
  };
};
const local: GuardOptions = { host: '127.0.0.1' };
const wide: GuardOptions = { host: '0.0.0.0', tokens: [{ value: TOKEN, source: '--token' }] };

describe('the HTTP guard', () => {
  it('admits a loopback request on a loopback server', () => {
    expect(run(local)).toEqual({ admitted: true });
    expect(run(local, { headers: { host: 'localhost:8080', origin: 'http://localhost:5173' } }).admitted).toBe(true);
  });

  it('refuses a target that is not a path', () => {
    for (const url of ['http://evil.example/mcp', '*', '//evil.example/mcp'])
      expect(run(local, { url })).toMatchObject({
        admitted: false,
        status: 400,
        message:
          `Bad Request: the request target must be a path such as /mcp, not "${url}" (this server is ` +
          `not a proxy).`,
      });
  });

  it('a request without a target says so', () => {
    expect(run(local, { url: undefined }).message).toBe(
      'Bad Request: the request target must be a path such as /mcp, not "" (this server is not a proxy).',
    );
  });

  it('refuses no Host, two Hosts and a malformed Host', () => {
    expect(run(local, { hosts: [] })).toMatchObject({
      admitted: false,
      status: 400,
      message: 'Bad Request: the request has no Host header.',
    });
    expect(run(local, { hosts: ['127.0.0.1', '127.0.0.1'] })).toMatchObject({
      admitted: false,
      status: 400,
      message: 'Bad Request: the request has more than one Host header.',
    });
    expect(run(local, { headers: { host: 'a b' } })).toMatchObject({
      admitted: false,
      status: 400,
      message: expect.stringMatching(/is not a host name/),
    });
    expect(run(local, { headers: { host: '127.0.0.1:70000' } })).toMatchObject({ admitted: false, status: 400 });
  });

  it('on loopback, refuses a Host that is not this machine (DNS rebinding) and a web page from elsewhere', () => {
    expect(run(local, { headers: { host: 'evil.example:8080' } })).toMatchObject({
      admitted: false,
      status: 403,
      message: expect.stringMatching(/only localhost names/),
    });
    expect(run(local, { headers: { origin: 'https://evil.example' } })).toMatchObject({
      admitted: false,
      status: 403,
      message: expect.stringMatching(/web page at "https:\/\/evil\.example"/),
    });
    expect(run(local, { headers: { origin: 'not an origin' } })).toMatchObject({ admitted: false, status: 403 });
  });

  it('bound wider, admits any Host with the token, and a page only from that same host', () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect(run(wide, { headers: { host: 'gpubox.lan:8080', ...auth } }).admitted).toBe(true);
    expect(
      run(wide, { headers: { host: 'gpubox.lan:8080', origin: 'http://gpubox.lan:8080', ...auth } }).admitted,
    ).toBe(true);
    expect(run(wide, { headers: { host: 'gpubox.lan:8080', origin: 'http://other.lan', ...auth } })).toMatchObject({
      admitted: false,
      status: 403,
    });
  });

  it('refuses a wrong token of the same length, not only one of another length', () => {
    const same = `${TOKEN.slice(0, -1)}${TOKEN.endsWith('0') ? '1' : '0'}`;
    expect(same).toHaveLength(TOKEN.length);
    const r = run(wide, { headers: { host: 'gpubox.lan', authorization: `Bearer ${same}` } });
    expect(r).toMatchObject({
      admitted: false,
      status: 401,
      message: expect.stringMatching(/^Unauthorized: the token is wrong — send "Authorization: Bearer <token>"/),
    });
    expect(r.headers?.['www-authenticate']).toBe('Bearer realm="ollm-mcp"');
    expect(run(wide, { headers: { host: 'gpubox.lan', authorization: `Bearer ${TOKEN}x` } }).admitted).toBe(false);
    expect(run(wide, { headers: { host: 'gpubox.lan', authorization: `bearer   ${TOKEN}  ` } }).admitted).toBe(true);
  });

  it('without a token says how to send one; a page says to put it in its address', () => {
    expect(run(wide, { headers: { host: 'gpubox.lan' } })).toMatchObject({
      status: 401,
      message: 'Unauthorized: send "Authorization: Bearer <token>" (the server was started with a token).',
    });
    expect(run(wide, { headers: { host: 'gpubox.lan', authorization: TOKEN } })).toMatchObject({
      status: 401,
      message: expect.stringMatching(/^Unauthorized: send/),
    });
    for (const path of ['/', '/status', '/compare'])
      expect(run(wide, { method: 'GET', url: `${path}?x=1`, headers: { host: 'gpubox.lan' } }).message).toBe(
        `Unauthorized: open ${path}?token=<token> (the token the server was started with).`,
      );
    expect(run(wide, { method: 'GET', url: '/mcp', headers: { host: 'gpubox.lan' } }).message).toMatch(
      /^Unauthorized: send/,
    );
  });
});

describe('what the guard takes for this machine, a host and an origin', () => {
  it('loopback: localhost, ::1 and all of 127/8 with each octet 0–255 — nothing else', () => {
    for (const h of [
      'localhost',
      'LocalHost',
      '::1',
      '[::1]',
      '127.0.0.1',
      '127.255.255.255',
      '127.1.22.3',
      '127.249.250.199',
      '127.0.0.9',
      '127.45.67.89',
      '127.201.233.245',
      '127.5.99.0',
    ])
      expect(isLoopback(h), h).toBe(true);
    for (const h of [
      '127.280.0.1',
      '127.0.280.1',
      '127.0.0.280',
      '127.256.0.1',
      '127.0.260.1',
      '127.0.0.300',
      '127.0.0',
      '1127.0.0.1',
      '127.0.0.1.evil.example',
      'x127.0.0.1',
      '128.0.0.1',
      '0.0.0.0',
      '::2',
      'localhost.evil.example',
      '127.a.0.1',
      '127.0.0.01x',
    ])
      expect(isLoopback(h), h).toBe(false);
  });

  it('a Host is a name or address with an optional port up to 65535, lower-cased', () => {
    expect(hostName('GPUBox.LAN:8080')).toBe('gpubox.lan');
    expect(hostName('[::1]:3000')).toBe('[::1]');
    expect(hostName('h:65535')).toBe('h');
    expect(hostName('h:65536')).toBeUndefined();
    expect(hostName('h:123456')).toBeUndefined();
    for (const bad of ['', 'a b', 'h:', 'h:x', 'user@h', 'h/path', '[zz]', 'h:80:80'])
      expect(hostName(bad), bad).toBeUndefined();
  });

  it('an Origin is scheme://host[:port] with nothing after it', () => {
    const page = (origin: string) => run(local, { headers: { origin } }).admitted;
    expect(page('http://localhost:5173')).toBe(true);
    expect(page('chrome-extension://localhost')).toBe(true);
    for (const bad of [
      'http://localhost/',
      'http://localhost:5173/app',
      'http://localhost?x',
      'http://localhost#x',
      '1http://localhost',
      '://localhost',
      'localhost',
      'http://evil.example',
    ])
      expect(page(bad), bad).toBe(false);
  });

  it('a token is sent as "Bearer <token>", any case, with nothing before it', () => {
    const sent = (authorization: string) => run(wide, { headers: { host: 'gpubox.lan', authorization } }).admitted;
    expect(sent(`BEARER ${TOKEN}`)).toBe(true);
    for (const bad of [`Bearer${TOKEN}`, `Basic ${TOKEN}`, `x Bearer ${TOKEN}`, 'Bearer ', 'Bearer'])
      expect(sent(bad), bad).toBe(false);
  });

  it('only a GET of a page is told to put the token in its address', () => {
    expect(run(wide, { method: 'POST', url: '/status', headers: { host: 'gpubox.lan' } }).message).toMatch(
      /^Unauthorized: send/,
    );
    expect(run(wide, { method: 'GET', url: '/statusx', headers: { host: 'gpubox.lan' } }).message).toMatch(
      /^Unauthorized: send/,
    );
  });

  it('a short token is refused, saying its length in words', () => {
    expect(tokenProblem('x', 'OLLM_HTTP_TOKEN')).toMatch(
      /^OLLM_HTTP_TOKEN is 1 character long; a bearer token needs at least 16/,
    );
    expect(tokenProblem('x'.repeat(15), '--token')).toMatch(/^--token is 15 characters long/);
    expect(tokenProblem('x'.repeat(16), '--token')).toBeUndefined();
  });

  it('a token is judged trimmed: spaces only is empty, spaces around do not count', () => {
    expect(tokenProblem(' ', 'OLLM_HTTP_TOKEN')).toMatch(
      /^OLLM_HTTP_TOKEN is empty \(only spaces\); a bearer token needs at least 16 characters/,
    );
    expect(tokenProblem(' '.repeat(40), '--token')).toMatch(/^--token is empty \(only spaces\)/);
    expect(tokenProblem('\t\n', '--token')).toMatch(/^--token is empty \(only spaces\)/);
    expect(tokenProblem(`  ${'x'.repeat(15)}  `, '--token')).toMatch(/^--token is 15 characters long/);
    expect(tokenProblem(`  ${'x'.repeat(16)}  `, '--token')).toBeUndefined();
  });

  it('a refusal is a JSON-RPC error with the reason, as JSON', () => {
    const r = run(local, { headers: { host: 'evil.example' } });
    expect(r.headers).toEqual({ 'content-type': 'application/json' });
    const { res, answer } = request();
    reply(res, 418, 'no');
    expect(answer).toMatchObject({
      status: 418,
      body: { jsonrpc: '2.0', error: { code: -32000, message: 'no' }, id: null },
    });
  });
});

describe("what Node's parser refused", () => {
  class Socket extends PassThrough {
    out = '';
    destroyedBy = false;
    bytesWritten = 0;
    override end(chunk?: unknown): this {
      this.out += String(chunk ?? '');
      return this;
    }
    override destroy(): this {
      this.destroyedBy = true;
      return this;
    }
  }
  const answerTo = (code: string | undefined, prepare?: (s: Socket) => void) => {
    const socket = new Socket();
    prepare?.(socket);
    answerClientError(Object.assign(new Error('x'), code ? { code } : {}), socket);
    return socket;
  };

  it('gets a status, a reason and a JSON body, then the connection closes', () => {
    const cases: Array<[string | undefined, number, string, RegExp]> = [
      ['HPE_HEADER_OVERFLOW', 431, 'Request Header Fields Too Large', /over the size limit \(16 KB\)/],
      ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'Content Too Large', /chunk extensions are too large/],
      ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'Request Timeout', /took too long to arrive/],
      ['HPE_INVALID_METHOD', 400, 'Bad Request', /not valid HTTP\/1\.1 \(HPE_INVALID_METHOD\)/],
      [undefined, 400, 'Bad Request', /\(unreadable\)/],
    ];
    for (const [code, status, reason, says] of cases) {
      const s = answerTo(code);
      const [head, body] = s.out.split('\r\n\r\n');
      expect(head, code).toBe(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ` +
          `${Buffer.byteLength(body!)}\r\nConnection: close`,
      );
      const parsed = JSON.parse(body!) as { jsonrpc: string; error: { code: number; message: string }; id: null };
      expect(parsed).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
      expect(parsed.error.message.startsWith(`${reason}: `)).toBe(true);
      expect(parsed.error.message).toMatch(says);
      expect(s.destroyedBy).toBe(false); // closed gracefully, not reset
    }
  });

  it('is closed after 2 s whatever the client does', () => {
    vi.useFakeTimers();
    try {
      const s = answerTo('HPE_INVALID_METHOD');
      vi.advanceTimersByTime(1999);
      expect(s.destroyedBy).toBe(false);
      vi.advanceTimersByTime(1);
      expect(s.destroyedBy).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it(
    'a connection already answering, reset by the client or no longer writable is just closed; ' +
      'a second error on it is ignored',
    () => {
      expect(answerTo('ECONNRESET')).toMatchObject({ out: '', destroyedBy: true });
      expect(answerTo('HPE_INVALID_METHOD', (s) => (s.bytesWritten = 10))).toMatchObject({
        out: '',
        destroyedBy: true,
      });
      expect(
        answerTo('HPE_INVALID_METHOD', (s) => Object.defineProperty(s, 'writable', { value: false })),
      ).toMatchObject({ out: '', destroyedBy: true });
      const s = new Socket();
      answerClientError(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD' }), s);
      const first = s.out;
      answerClientError(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' }), s);
      expect(s.out).toBe(first);
    },
  );
});
