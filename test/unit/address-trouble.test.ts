/**
 * A failed connection whose cause is the address (issue 54, finding 10): the name does not
 * resolve, or the scheme is not what the server speaks — named as such, with the setting to
 * correct; any other failure (a refused connection first) is left to the adapter's own words.
 */
import { describe, expect, it } from 'vitest';
import {
  SPEAKS_TLS,
  addressFailure,
  addressNext,
  addressWhy,
  plainToTlsAnswer,
  wrongPathAnswer,
} from '../../src/orchestrator/engines/address-trouble.js';
import { nextStep, noHostAnswers } from '../../src/orchestrator/fleet/fleet-reads.js';

const sysErr = (code: string, message = code, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code }, extra);
/** As undici throws: a TypeError whose cause carries the code. */
const wrapped = (cause: Error) => new TypeError('fetch failed', { cause });

describe('addressWhy: the address is the cause', () => {
  it('a host name that does not resolve, directly or through causes', () => {
    expect(
      addressWhy(
        sysErr('ENOTFOUND', 'getaddrinfo ENOTFOUND no-such-host.invalid'),
        'http://no-such-host.invalid:11434',
      ),
    ).toBe('the host name "no-such-host.invalid" does not resolve: ENOTFOUND');
    expect(addressWhy(wrapped(sysErr('EAI_AGAIN')), 'http://box.lan:8080/v1')).toBe(
      'the host name "box.lan" does not resolve: EAI_AGAIN',
    );
  });

  it('https:// to a plain HTTP server: EPROTO (node:http) or ERR_SSL_WRONG_VERSION_NUMBER (undici)', () => {
    const eproto = sysErr('EPROTO', 'write EPROTO 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number');
    expect(addressWhy(eproto, 'https://127.0.0.1:11434')).toBe(
      'it does not speak HTTPS there: EPROTO, wrong version number',
    );
    expect(
      addressWhy(
        wrapped(sysErr('ERR_SSL_WRONG_VERSION_NUMBER', 'ssl3_get_record:wrong version number')),
        'https://h:1',
      ),
    ).toMatch(/^it does not speak HTTPS there: ERR_SSL_WRONG_VERSION_NUMBER, wrong version number$/);
    expect(addressWhy(sysErr('ERR_SSL_PACKET_LENGTH_TOO_LONG'), 'https://h:1')).toBe(
      'it does not speak HTTPS there: ERR_SSL_PACKET_LENGTH_TOO_LONG, packet length too long',
    );
  });

  it('http:// to a TLS server: a TLS record where an answer was expected, or a handshake the probe made', () => {
    const alert = sysErr('HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/', {
      rawPacket: Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]),
    });
    expect(addressWhy(alert, 'http://127.0.0.1:8443')).toBe('it speaks HTTPS there, not plain HTTP');
    expect(
      addressWhy(wrapped(sysErr('ECONNRESET', 'socket hang up', { [SPEAKS_TLS]: true })), 'http://127.0.0.1:8443'),
    ).toBe('it speaks HTTPS there, not plain HTTP');
    expect(
      addressWhy(
        sysErr('HPE_INVALID_CONSTANT', 'Parse Error', { rawPacket: Buffer.from('SSH-2.0-OpenSSH\r\n') }),
        'http://127.0.0.1:22',
      ),
    ).toBe('its answer is not HTTP: HPE_INVALID_CONSTANT');
  });

  it('let through: a refused or reset connection, a certificate error, a scheme error of the other direction', () => {
    expect(addressWhy(sysErr('ECONNREFUSED'), 'http://127.0.0.1:11434')).toBeUndefined();
    // no handshake: a server that closed
    expect(addressWhy(sysErr('ECONNRESET', 'socket hang up'), 'http://127.0.0.1:11434')).toBeUndefined();
    expect(addressWhy(sysErr('DEPTH_ZERO_SELF_SIGNED_CERT'), 'https://127.0.0.1:443')).toBeUndefined();
    // a TLS version mismatch: it does speak TLS
    expect(addressWhy(sysErr('EPROTO', 'write EPROTO unsupported protocol'), 'https://h:1')).toBeUndefined();
    expect(addressWhy(sysErr('EPROTO', 'wrong version number'), 'http://h:1')).toBeUndefined();
    expect(addressWhy(sysErr('HPE_INVALID_CONSTANT'), 'https://h:1')).toBeUndefined();
    expect(addressWhy(new Error('boom'), 'http://h:1')).toBeUndefined();
  });

  it('a TLS server answering a plain request in HTTP (nginx, Go): only a 400 over http://', () => {
    expect(plainToTlsAnswer(400, 'The plain HTTP request was sent to HTTPS port', 'http://h:443')).toBe(
      'it speaks HTTPS there, not plain HTTP',
    );
    expect(plainToTlsAnswer(400, 'Client sent an HTTP request to an HTTPS server.', 'http://h:443/v1')).toBe(
      'it speaks HTTPS there, not plain HTTP',
    );
    expect(plainToTlsAnswer(400, 'bad JSON', 'http://h:443')).toBeUndefined();
    expect(plainToTlsAnswer(404, 'Client sent an HTTP request to an HTTPS server.', 'http://h:443')).toBeUndefined();
    expect(plainToTlsAnswer(400, 'Client sent an HTTP request to an HTTPS server.', 'https://h:443')).toBeUndefined();
  });
});

describe('the next step names the setting and the address to use', () => {
  it('for each cause', () => {
    expect(addressFailure(sysErr('ENOTFOUND'), 'http://nope.invalid:1', 'OLLM_HOST or OLLAMA_HOST')).toEqual({
      why: 'the host name "nope.invalid" does not resolve: ENOTFOUND',
      next: 'the name does not resolve: check the address in settings (OLLM_HOST or OLLAMA_HOST)',
    });
    expect(
      addressNext(
        'x (it does not speak HTTPS there: EPROTO, wrong version number)',
        'https://user:pw@127.0.0.1:8000/v1/',
        'hosts.vllm.url',
      ),
    ).toBe('use http://127.0.0.1:8000/v1 in settings (hosts.vllm.url)');
    expect(addressNext('x (it speaks HTTPS there, not plain HTTP)', '127.0.0.1:8443', 'hosts.box.url')).toBe(
      'use https://127.0.0.1:8443 in settings (hosts.box.url)',
    );
    expect(addressNext('x (its answer is not HTTP: HPE_INVALID_CONSTANT)', 'http://h:22', 'hosts.box.url')).toBe(
      'check the port in settings (hosts.box.url) — or, if it speaks HTTPS there, use https://h:22',
    );
    expect(
      addressNext('Ollama is not reachable at h:1 (connection refused)', 'http://h:1', 'OLLM_HOST'),
    ).toBeUndefined();
    expect(addressFailure(sysErr('ECONNREFUSED'), 'http://h:1', 'OLLM_HOST')).toBeUndefined();
  });

  it("the fleet's reads: a name that does not resolve is corrected, a refused host is started", () => {
    const named =
      'Ollama is not reachable at no-such-host.invalid:11434 (the host name ' +
      '"no-such-host.invalid" does not resolve: ENOTFOUND)';
    expect(nextStep({ name: 'ollama', url: 'http://no-such-host.invalid:11434', error: named }, false)).toBe(
      'the name does not resolve: check the address in settings (OLLM_HOST or OLLAMA_HOST)',
    );
    expect(
      nextStep({ name: 'gpubox', kind: 'ollama', url: 'http://no-such-host.invalid:11434', error: named }, true),
    ).toBe(
      'the name does not resolve: check the address in settings (hosts.gpubox.url); the other hosts serve meanwhile',
    );
    expect(
      nextStep(
        {
          name: 'ollama',
          url: 'http://127.0.0.1:11434',
          error: 'Ollama is not reachable at 127.0.0.1:11434 (connection refused)',
        },
        false,
      ),
    ).toBe('start it with `ollama serve`, or point OLLM_HOST (or OLLAMA_HOST) at where it runs');
    expect(
      nextStep(
        {
          name: 'vllm',
          kind: 'openai',
          url: 'https://127.0.0.1:8000/v1',
          error:
            'vllm is not reachable at https://127.0.0.1:8000/v1 (it does not speak HTTPS there: EPROTO, ' +
            'wrong version number)',
        },
        false,
      ),
    ).toBe('use http://127.0.0.1:8000/v1 in settings (hosts.vllm.url)');
    expect(nextStep({ name: 'vllm', kind: 'openai' }, false)).toBe(
      'start that engine, or correct hosts.vllm.url in settings',
    );
  });

  it('no host answers: the fix of each address cause, and starting Ollama only when some host was merely down', () => {
    const nameDown = {
      name: 'ollama',
      url: 'no-such-host.invalid:11434',
      error:
        'Ollama is not reachable at no-such-host.invalid:11434 (the host name ' +
        '"no-such-host.invalid" does not resolve: ENOTFOUND)',
      next: '',
    };
    expect(noHostAnswers([nameDown], 'no-such-host.invalid:11434').message).toBe(
      'No Ollama host answers (ollama at no-such-host.invalid:11434: Ollama is not reachable at ' +
        'no-such-host.invalid:11434 (the host name "no-such-host.invalid" does not resolve: ' +
        'ENOTFOUND)) — the name does not resolve: check the address in settings (OLLM_HOST or ' +
        'OLLAMA_HOST).',
    );
    const refused = {
      name: 'gpubox',
      url: '10.0.0.2:11434',
      error: 'Ollama is not reachable at 10.0.0.2:11434 (connection refused)',
      next: '',
    };
    expect(noHostAnswers([nameDown, refused], 'no-such-host.invalid:11434').message).toMatch(
      / — start Ollama \(`ollama serve`\) on at least one, or correct the addresses in settings \(ollama\.host, hosts\); ollama: the name does not resolve: check the address in settings \(OLLM_HOST or OLLAMA_HOST\)\.$/,
    );
    expect(noHostAnswers([refused], '10.0.0.2:11434').message).toMatch(
      / — start Ollama \(`ollama serve`\) on at least one, or correct the addresses in settings \(ollama\.host, hosts\)\.$/,
    );
  });
});

describe('wrongPathAnswer: a 404 naming no model, at an address with a path (issue 75, finding 1)', () => {
  it('an API path copied into the address: the path is the cause, and the fix drops it', () => {
    const why = wrongPathAnswer(404, '404 page not found', 'http://127.0.0.1:11434/v1');
    expect(why).toBe('its address has the path /v1, where no API answers');
    expect(addressNext(why!, 'http://127.0.0.1:11434/v1', 'OLLAMA_HOST')).toBe(
      'drop the path: use http://127.0.0.1:11434 in settings (OLLAMA_HOST)',
    );
    expect(wrongPathAnswer(404, '404 page not found', 'https://box.lan/ollama/api/')).toBe(
      'its address has the path /ollama/api, where no API answers',
    );
  });

  it('let through: a model that is not there, another status, an address without a path', () => {
    expect(wrongPathAnswer(404, "model 'x' not found", 'http://127.0.0.1:11434/v1')).toBeUndefined();
    expect(wrongPathAnswer(500, '404 page not found', 'http://127.0.0.1:11434/v1')).toBeUndefined();
    expect(wrongPathAnswer(404, '404 page not found', 'http://127.0.0.1:11434')).toBeUndefined();
    expect(wrongPathAnswer(404, '404 page not found', 'http://127.0.0.1:11434/')).toBeUndefined();
  });
});
