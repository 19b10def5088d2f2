// The one redaction of text leaving ollm-mcp (util/redact-secrets.ts): each shape by an example
// only it matches, the configured values in their forms, and — the other side — ordinary engine
// text, model names and paths left as they are.
import { describe, expect, it } from 'vitest';
import {
  MIN_SECRET_LENGTH,
  redactSecrets,
  redactValues,
  redactValuesDeep,
  SECRET_SHAPES,
  secretForms,
} from '../../src/orchestrator/util/redact-secrets.js';
import { configuredSecrets, secretVariables } from '../../src/orchestrator/config/secrets.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { settingsSchema } from '../../src/orchestrator/config/schema.js';

/** For each shape: text only it matches, and what is left of it. */
const EXAMPLES: Record<string, [text: string, cleared: string]> = {
  'authorization header': ['Authorization: hunter2hunter', 'Authorization: [redacted]'],
  'bearer or basic credential': ['sent Bearer abc.def-123456 upstream', 'sent Bearer [redacted] upstream'],
  'key or password field': ['x-api-key: qwertyuiop', 'x-api-key: [redacted]'],
  'token parameter': ['GET /v1/models?token=abcdefgh', 'GET /v1/models?token=[redacted]'],
  'vendor key': ['the key hf_AbCdEfGhIjKlMnOpQrStUv is not valid', 'the key [redacted] is not valid'],
  'credentials in a URL': [
    'proxy http://bob:pa55word@10.0.0.1:3128 refused',
    'proxy http://[redacted]@10.0.0.1:3128 refused',
  ],
};

const matches = (pattern: RegExp, text: string) => new RegExp(pattern.source, pattern.flags).test(text);

describe('each shape of a credential', () => {
  it('has an example', () => {
    expect(SECRET_SHAPES.map((s) => s.name).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(SECRET_SHAPES.map((s) => [s.name, s] as const))(
    '%s: its example is matched by it alone, and cleared',
    (name, shape) => {
      const [text, cleared] = EXAMPLES[name]!;
      expect(SECRET_SHAPES.filter((s) => matches(s.pattern, text)).map((s) => s.name)).toEqual([shape.name]);
      expect(redactSecrets(text)).toBe(cleared);
    },
  );
});

describe('credentials in the forms engines and proxies quote them', () => {
  it.each([
    ['the header', 'Authorization: Bearer llama-Zx81qPv0RmT4hN2bC6yW', 'Authorization: Bearer [redacted]'],
    ['a JSON dump of the headers', '{"authorization":"Bearer abcdefgh"}', '{"authorization":"Bearer [redacted]"}'],
    [
      'single quotes',
      "headers: {'Authorization': 'Basic dXNlcjpwYXNz'}",
      "headers: {'Authorization': 'Basic [redacted]'}",
    ],
    ['a proxy header', 'Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Proxy-Authorization: Basic [redacted]'],
    [
      'a bearer credential of letters only after the header',
      'authorization=Bearer onlyletterskey',
      'authorization=Bearer [redacted]',
    ],
    ['api_key in a query', 'GET /v1/models?api_key=abcd1234&x=1', 'GET /v1/models?api_key=[redacted]&x=1'],
    ['apiKey in JSON', '{"apiKey": "abcd1234"}', '{"apiKey": "[redacted]"}'],
    ['an access token in a form', 'access_token=ya29.a0AfH6SM', 'access_token=[redacted]'],
    ['a client secret', 'client_secret: s3cr3tvalue', 'client_secret: [redacted]'],
    ['a password field', '{"password":"hunter22"}', '{"password":"[redacted]"}'],
    [
      'an OpenAI key',
      'Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrSt',
      'Incorrect API key provided: [redacted]',
    ],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE', '[redacted]'],
    [
      'a bearer credential after more than one space',
      'sent Bearer  abc.def-123456 upstream',
      'sent Bearer  [redacted] upstream',
    ],
    [
      'token parameters in any case, each of them',
      'GET /a?Token=abcdefgh&b=1&token=ijklmnop',
      'GET /a?Token=[redacted]&b=1&token=[redacted]',
    ],
    ['an OpenAI key without a project prefix', 'key sk-AbCdEfGhIjKlMnOpQrSt refused', 'key [redacted] refused'],
    [
      'a GitHub fine-grained token',
      'push with github_pat_11ABCDEFG0123456789_abcdefghij failed',
      'push with [redacted] failed',
    ],
    ['a Slack token', 'xoxb-1234567890-abcdefghij is revoked', '[redacted] is revoked'],
    ['a Google API key', 'key=AIzaSyA1234567890abcdefghijklmnopqrstu0', 'key=[redacted]'],
    [
      'a password in a URL at the start of the text',
      'http://bob:pa55word@10.0.0.1 refused',
      'http://[redacted]@10.0.0.1 refused',
    ],
  ])('%s', (_name, text, cleared) => {
    expect(redactSecrets(text)).toBe(cleared);
  });
});

describe('ordinary engine text is left as it is', () => {
  it.each([
    'model "secret:latest" not found, try pulling it first',
    'model "password-gen:7b" is not installed',
    'max_tokens=512 is more than the context allows',
    'the prompt is 4096 tokens; token 32000 is not in the vocabulary',
    'failed to load /models/token-classifier.gguf: tokenizer.json missing',
    'You need to provide your API key in an Authorization header using Bearer auth.',
    'Basic instructions: use Bearer tokens',
    'sign in at https://ollama.com/connect?name=box&key=c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSUZha2U',
    'http://127.0.0.1:11434/api/generate answered 500',
    'sk-short is a name',
    'n_ctx_train: 2048, n_tokens: 12',
    'github_pat_ABC is how a fine-grained token starts',
    // no value is cleared when none is given: not even the text StrykerJS puts in a list it fills
    'Stryker was here',
  ])('%s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('the configured values', () => {
  const key = 'k3y+A/9zQ=letters';
  it('are cleared verbatim, URL-encoded and base64-encoded, and shorter ones are not looked for', () => {
    const text =
      `said ${key}; in a URL ${encodeURIComponent(key)}; as base64 ` +
      `${Buffer.from(key).toString('base64')} and ${Buffer.from(key).toString('base64url')}`;
    expect(redactValues(text, [key])).toBe('said [redacted]; in a URL [redacted]; as base64 [redacted] and [redacted]');
    expect(secretForms(key)).toContain(encodeURIComponent(key));
    const short = 'x'.repeat(MIN_SECRET_LENGTH - 1);
    expect(redactValues(`a ${short} b`, [short, undefined, ''])).toBe(`a ${short} b`);
    expect(redactValues(`a ${short}y b`, [`${short}y`])).toBe('a [redacted] b');
  });

  it('are cleared as base64 without its padding ("==") too', () => {
    const padded = 'key>>>1234567890'; // base64 a2V5Pj4+MTIzNDU2Nzg5MA== (base64url has "-" for "+")
    expect(redactValues('Basic a2V5Pj4+MTIzNDU2Nzg5MA end', [padded])).toBe('Basic [redacted] end');
    expect(redactValues('in a URL a2V5Pj4-MTIzNDU2Nzg5MA end', [padded])).toBe('in a URL [redacted] end'); // base64url
  });

  it('are cleared in their longest form first, so no part of a longer form is left', () => {
    // base64 of "Vm0wd2Qy" is "Vm0wd2QyUXk=", which starts with the value itself
    expect(redactValues('as base64 Vm0wd2QyUXk= here', ['Vm0wd2Qy'])).toBe('as base64 [redacted] here');
  });

  it('are cleared even when no shape tells them, and trimmed as the adapters send them', () => {
    expect(redactSecrets('the key cloudsecretvalue is wrong', [' cloudsecretvalue\n'])).toBe(
      'the key [redacted] is wrong',
    );
  });

  it('deep in a result: every string; the very same object when none is there', () => {
    const result = {
      content: [{ type: 'text', text: `no ${key}` }],
      structuredContent: { hosts: [{ error: `bad ${key}`, n: 3, ok: true, none: null }] },
    };
    expect(redactValuesDeep(result, [key])).toEqual({
      content: [{ type: 'text', text: 'no [redacted]' }],
      structuredContent: { hosts: [{ error: 'bad [redacted]', n: 3, ok: true, none: null }] },
    });
    const clean = { text: 'Authorization: Bearer abcdefgh — a model may write this' };
    expect(redactValuesDeep(clean, [key])).toBe(clean); // shapes are not applied: a model's answer keeps its words
    expect(redactValuesDeep(clean, [])).toBe(clean);
    const escaped = 'quote"d\\key1';
    expect(redactValuesDeep({ t: `x ${escaped}` }, [escaped])).toEqual({ t: 'x [redacted]' });
  });

  it('deep in a result: trimmed values, any of several, and values too short to look for left alone', () => {
    expect(redactValuesDeep({ t: 'x cloudsecretvalue' }, [' cloudsecretvalue\n'])).toEqual({ t: 'x [redacted]' });
    expect(redactValuesDeep({ t: `x ${key}` }, ['absent-value-1', key])).toEqual({ t: 'x [redacted]' });
    const short = { t: 'abc is too short to be a key' };
    expect(redactValuesDeep(short, ['abc'])).toBe(short);
    expect(redactValuesDeep(short, ['abc', 'absent-value-1'])).toBe(short);
  });
});

describe('the secrets the settings and the environment hold', () => {
  const settings = settingsSchema.parse({
    hosts: [
      { name: 'llama', kind: 'llamacpp', url: 'http://127.0.0.1:8080', tokenEnv: 'LLAMA_KEY' },
      { name: 'lab', kind: 'openai', url: 'http://127.0.0.1:8000/v1', tokenEnv: 'LAB_KEY' },
      { name: 'box', kind: 'ollama', url: 'box:11434' },
    ],
    fallback: { baseURL: 'https://api.example.com/v1', model: 'm', apiKeyEnv: 'CLOUD_KEY' },
  });

  it('are every variable named, and the fixed ones', () => {
    expect(secretVariables(settings).sort()).toEqual([
      'CLOUD_KEY',
      'LAB_KEY',
      'LLAMA_KEY',
      'OLLAMA_API_KEY',
      'OLLM_API_KEY',
      'OLLM_HTTP_TOKEN',
    ]);
  });

  it('are the values set, trimmed, with the extra ones (a --token); unset and blank ones are none', () => {
    const env = {
      LLAMA_KEY: ' llama-key-1 ',
      LAB_KEY: '   ',
      CLOUD_KEY: 'cloud-key-1',
      OLLM_HTTP_TOKEN: 'http-token-0123456789',
      OTHER_KEY: 'not-named-1',
    };
    expect(configuredSecrets(settings, env, ['cli-token-0123456789', undefined]).sort()).toEqual([
      'cli-token-0123456789',
      'cloud-key-1',
      'http-token-0123456789',
      'llama-key-1',
    ]);
    expect(configuredSecrets(settingsSchema.parse({}), {})).toEqual([]);
  });
});

describe('a HostError', () => {
  it('is made without the credentials its message quotes, nor the keys the adapter sent', () => {
    const err = new HostError(
      'bad_request',
      'llama-server refused (HTTP 401: Authorization: Bearer abc123456; the key plainletterkey is wrong)',
      '127.0.0.1:8080',
      { status: 401, secrets: ['plainletterkey'] },
    );
    expect(err.message).toBe(
      'llama-server refused (HTTP 401: Authorization: Bearer [redacted]; the key [redacted] is wrong)',
    );
    expect(err.status).toBe(401);
    expect(Object.keys(err)).not.toContain('secrets');
    expect(new HostError('server_error', 'Ollama at h failed: out of memory', 'h', 500).message).toBe(
      'Ollama at h failed: out of memory',
    );
  });
});

describe('the stderr log', () => {
  it('shows no credential, nor a value it was told to hide', async () => {
    const { log } = await import('../../src/orchestrator/util/log.js');
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      log.hide(['plainletterkey']);
      log.warn('host said: the key plainletterkey is wrong; Authorization: Bearer abc123456');
      log.hide([]);
      log.warn('now plainletterkey is only a word');
    } finally {
      process.stderr.write = write;
    }
    expect(written).toEqual([
      '[ollm-mcp] warn: host said: the key [redacted] is wrong; Authorization: Bearer [redacted]\n',
      '[ollm-mcp] warn: now plainletterkey is only a word\n',
    ]);
  });
});
