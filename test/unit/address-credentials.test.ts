// An address's user name and password reach no message (issue 80, finding 7): the one function that
// shows an address (util/redact-secrets.ts redactAddress), the refusal of one in an Ollama address —
// saying what to do instead — and every settings error that quotes an address; and the other side: an
// address without them is shown whole, a path or query as written.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactSettings } from '../../src/orchestrator/config/index.js';
import { displayHost, normalizeOllamaHost } from '../../src/orchestrator/config/host.js';
import { shownAddress } from '../../src/orchestrator/engines/address-trouble.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { redactAddress, redactSecrets } from '../../src/orchestrator/util/redact-secrets.js';
import { tempDir } from '../helpers/temp.js';

const PASSWORD = 's3cretPw0rd';

describe('redactAddress: an address as any text shows it', () => {
  it.each([
    ['http://bob:s3cretPw0rd@127.0.0.1:11434', 'http://[redacted]@127.0.0.1:11434'],
    ['https://bob:s3cretPw0rd@box.lan/v1', 'https://[redacted]@box.lan/v1'],
    ['bob:s3cretPw0rd@127.0.0.1:11434', '[redacted]@127.0.0.1:11434'], // OLLAMA_HOST's form without a scheme
    ['http://bob:p@ss:s3cretPw0rd@box:1/v1', 'http://[redacted]@box:1/v1'], // an "@" in the password
    ['http://s3cretPw0rd@box:8000/v1', 'http://[redacted]@box:8000/v1'], // a token alone
    ['http://bob@box:8000', 'http://[redacted]@box:8000'],
    ['  http://bob:s3cretPw0rd@box  ', '  http://[redacted]@box  '],
  ])('%s -> %s', (address, shown) => {
    expect(redactAddress(address)).toBe(shown);
    expect(redactAddress(address)).not.toContain(PASSWORD);
  });

  it.each([
    'http://127.0.0.1:11434',
    '127.0.0.1:11434',
    'gpu-box',
    'http://[::1]:11434',
    'http://box:8000/v1/s3cretPw0rd@x', // an "@" in the path is no user name
    'http://box:8000/v1?password=s3cretPw0rd&x=a@b', // nor one in the query
    'http://box:8000/v1#s3cretPw0rd@x',
  ])('the other side: %s is shown as it is', (address) => {
    expect(redactAddress(address)).toBe(address);
  });

  it('text: a URL with credentials anywhere loses them whole, the user name and a token alone too', () => {
    expect(redactSecrets('GET http://s3cretPw0rd@box:1/mcp refused')).toBe('GET http://[redacted]@box:1/mcp refused');
    expect(redactSecrets('"http://bob:s3cretPw0rd@box:1" and mail bob@example.com')).toBe(
      '"http://[redacted]@box:1" and mail bob@example.com',
    );
    expect(redactSecrets('see http://box:1/a@b?c=d')).toBe('see http://box:1/a@b?c=d');
  });

  it('a tool error (a HostError) naming an address with a token in it', () => {
    const err = new HostError(
      'unreachable',
      'Request cannot be constructed from a URL: http://s3cretPw0rd@box:9/mcp',
      'box:9',
    );
    expect(err.message).toBe('Request cannot be constructed from a URL: http://[redacted]@box:9/mcp');
  });

  it('the forms messages use: host:port, the address shown, the settings resource', () => {
    expect(displayHost('http://bob:s3cretPw0rd@box:8080')).toBe('[redacted]@box:8080');
    expect(displayHost('http://box:8080')).toBe('box:8080');
    expect(shownAddress('bob:s3cretPw0rd@box:8080/')).toBe('[redacted]@box:8080');
    expect(shownAddress('http://bob:s3cretPw0rd@box:8080/v1/')).toBe('http://box:8080/v1');
    expect(
      redactSettings({
        hosts: [{ name: 'lab', kind: 'openai', url: 'http://s3cretPw0rd@lab:8000/v1?user=bob@x' }],
        fallback: { baseURL: 'https://bob:s3cretPw0rd@api.example.com/v1' },
      }),
    ).toEqual({
      hosts: [{ name: 'lab', kind: 'openai', url: 'http://[redacted]@lab:8000/v1?user=bob@x' }],
      fallback: { baseURL: 'https://[redacted]@api.example.com/v1' },
    });
  });
});

describe('an Ollama address with a user name and password', () => {
  it('is refused, saying what to do instead, without the password', () => {
    expect(() => normalizeOllamaHost(`http://bob:${PASSWORD}@127.0.0.1:11434`)).toThrow(
      '"http://[redacted]@127.0.0.1:11434" holds a user name or password (before "@"), which ollm-mcp never ' +
        'sends to Ollama: remove it — an engine that needs a key goes under hosts (kind openai, llamacpp or ' +
        'ollm), with tokenEnv naming the variable that holds the key',
    );
    // an invalid port too: the user name and password are what is refused first
    expect(() => normalizeOllamaHost(`bob:${PASSWORD}@box:99999`)).toThrow(/^"\[redacted\]@box:99999" holds a user/);
  });

  it('the other side: an "@" in its path is kept', () => {
    expect(normalizeOllamaHost('http://proxy.lan/ollama@1/')).toBe('http://proxy.lan:80/ollama@1');
  });
});

async function refusal(env: Record<string, string>, yaml?: string): Promise<string> {
  const home = tempDir('ollm-address-');
  if (yaml !== undefined) writeFileSync(join(home, 'config.yaml'), yaml);
  const err: unknown = await loadConfig({ env: { OLLM_HOME: home, ...env } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const message = (err as Error).message;
  expect(message).not.toContain(PASSWORD);
  expect(message).not.toContain('bob');
  return message;
}

describe('a settings error quoting an address', () => {
  it.each([
    ['OLLAMA_HOST', { OLLAMA_HOST: `http://bob:${PASSWORD}@127.0.0.1:11434` }, 'env OLLAMA_HOST'],
    ['OLLM_HOST, without a scheme', { OLLM_HOST: `bob:${PASSWORD}@127.0.0.1:11434` }, 'env OLLM_HOST'],
  ])('%s: the value and the reason show [redacted], and the next step', async (_what, env, source) => {
    const message = await refusal(env);
    expect(message).toMatch(
      new RegExp(
        `^Invalid setting ollama\\.host = "(http://)?\\[redacted\\]@127\\.0\\.0\\.1:11434" \\(from ${source}\\): `,
      ),
    );
    expect(message).toMatch(/remove it — an engine that needs a key goes under hosts .* with tokenEnv/);
  });

  it.each([
    ['ollama.host in config.yaml', `ollama:\n  host: "http://bob:${PASSWORD}@127.0.0.1:11434"\n`, 'ollama.host'],
    ['an Ollama in hosts', `hosts:\n  - {name: box, kind: ollama, url: "bob:${PASSWORD}@box:1"}\n`, 'hosts.0.url'],
    [
      'an openai URL refused',
      `hosts:\n  - {name: a, kind: openai, url: "http://bob:${PASSWORD}@h:99999/v1"}\n`,
      'hosts.0.url',
    ],
    ['a llamacpp URL', `hosts:\n  - {name: a, kind: llamacpp, url: "ftp://bob:${PASSWORD}@h"}\n`, 'hosts.0.url'],
    ['an ollm URL', `hosts:\n  - {name: a, kind: ollm, url: "bob:${PASSWORD}@h/mcp"}\n`, 'hosts.0.url'],
    [
      'the cloud fallback',
      `fallback:\n  baseURL: "https://bob:${PASSWORD}@api:99999/v1"\n  model: m\n`,
      'fallback.baseURL',
    ],
    ['an entry that is not a mapping', `hosts:\n  - "http://bob:${PASSWORD}@h"\n`, 'hosts.0'],
    ['a section that is not a mapping', `ollama: "bob:${PASSWORD}@h"\n`, 'ollama'],
  ])('%s', async (_what, yaml, key) => {
    expect(await refusal({}, yaml)).toMatch(
      new RegExp(`^Invalid setting ${key.replace(/\./g, '\\.')} = .*\\[redacted\\]@`),
    );
  });

  it('the other side: a value without a user name is quoted whole', async () => {
    const home = tempDir('ollm-address-');
    const err = await loadConfig({ env: { OLLM_HOME: home, OLLAMA_HOST: 'http://box:99999/p?x=s3cret@1' } }).catch(
      (e: unknown) => e as Error,
    );
    expect((err as Error).message).toMatch(/^Invalid setting ollama\.host = "http:\/\/box:99999\/p\?x=s3cret@1" /);
  });
});
