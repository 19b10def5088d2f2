/**
 * Every address diagnosed as what it is (issue 83, findings 1 and 2), the pure parts: a trailing /v1
 * or /api of an Ollama address dropped and said; a 404 in Ollama's own words is a model missing and
 * any other 404 (or 405) is not Ollama; what answers there, told by its own answers; the words and
 * the hosts entry that fits it.
 */
import { describe, expect, it } from 'vitest';
import { apiPathDropped, normalizeOllamaHost } from '../../src/orchestrator/config/host.js';
import { addressNotes, noteText } from '../../src/orchestrator/config/address-notes.js';
import { settingsSchema } from '../../src/orchestrator/config/schema.js';
import { addressNext, wrongPathAnswer } from '../../src/orchestrator/engines/address-trouble.js';
import { engineAt, notOllamaWhy } from '../../src/orchestrator/engines/engine-at.js';
import { ollamaError } from '../../src/orchestrator/engines/ollama/ollama-errors.js';
import { checkedModels } from '../../src/orchestrator/engines/ollama/ollama-client-answers.js';

describe('an Ollama address ending in /v1 or /api: dropped (issue 83, finding 1)', () => {
  it.each([
    ['http://127.0.0.1:11434/v1', 'http://127.0.0.1:11434', '/v1'],
    ['http://127.0.0.1:11434/v1/', 'http://127.0.0.1:11434', '/v1'],
    ['http://127.0.0.1:11434/api', 'http://127.0.0.1:11434', '/api'],
    ['127.0.0.1:11434/api/', 'http://127.0.0.1:11434', '/api'],
    ['http://box:11434/API', 'http://box:11434', '/API'],
    ['https://proxy.lan/ollama/v1', 'https://proxy.lan:443/ollama', '/v1'],
  ])('%s -> %s (drops %s)', (input, used, path) => {
    expect(normalizeOllamaHost(input)).toBe(used);
    expect(apiPathDropped(input)).toBe(path);
  });

  it.each([['http://proxy.lan/ollama'], ['http://box:11434'], ['http://box:11434/v1beta'], ['http://box/apis']])(
    'the other side: %s keeps its path, nothing is dropped',
    (input) => {
      expect(normalizeOllamaHost(input)).toMatch(/^http:\/\/[^/]+(\/ollama|\/v1beta|\/apis)?$/);
      expect(apiPathDropped(input)).toBeUndefined();
    },
  );

  it('the note names the setting as the user sets it, where it came from, and the fix', () => {
    const merged = {
      ollama: { host: 'http://127.0.0.1:11434/v1' },
      hosts: [
        { name: 'box', kind: 'ollama', url: 'http://box:11434/api' },
        { name: 'lab', kind: 'openai', url: 'http://lab:8000/v1' },
      ],
    };
    const settings = settingsSchema.parse(merged);
    const notes = addressNotes(merged, settings, (p) => (p[0] === 'ollama' ? 'env OLLM_HOST' : '/h/config.yaml'));
    expect(notes.map(noteText)).toEqual([
      {
        detail:
          "OLLM_HOST (from env OLLM_HOST) ends in /v1, which ollm-mcp drops: Ollama's API is at /api/… of its " +
          'address itself, so http://127.0.0.1:11434 is used',
        fix: 'drop the path: set OLLM_HOST to http://127.0.0.1:11434',
      },
      {
        detail:
          "hosts.box.url (from /h/config.yaml) ends in /api, which ollm-mcp drops: Ollama's API is at /api/… of " +
          'its address itself, so http://box:11434 is used',
        fix: 'drop the path: set hosts.box.url to http://box:11434',
      },
    ]);
    const fromFile = addressNotes(merged, settings, () => '/h/config.yaml')[0]!;
    expect(noteText(fromFile).fix).toBe('drop the path: set ollama.host to http://127.0.0.1:11434');
    const plain = { ollama: { host: 'http://127.0.0.1:11434' } };
    expect(addressNotes(plain, settingsSchema.parse(plain), () => 'default')).toEqual([]);
  });

  it("a kept path where Ollama's router answers 405 (or 404) is the cause; a model's 404 is not", () => {
    const url = 'http://127.0.0.1:11434/ollama';
    expect(wrongPathAnswer(405, '405 method not allowed', url)).toBe(
      'its address has the path /ollama, where no API answers',
    );
    expect(wrongPathAnswer(404, '404 page not found', url)).toBeDefined();
    expect(wrongPathAnswer(404, "model 'x' not found", url)).toBeUndefined();
    expect(wrongPathAnswer(405, '405 method not allowed', 'http://127.0.0.1:11434')).toBeUndefined();
  });
});

const at = { host: '127.0.0.1:8080', url: 'http://127.0.0.1:8080', setting: 'OLLM_HOST or OLLAMA_HOST' };
const answered = (status: number, error: string) => Object.assign(new Error(error), { status_code: status, error });

describe("a 404 is a model missing only in Ollama's own words (issue 83, finding 2)", () => {
  it.each([
    ["model 'qwen3:8b' not found", 'qwen3:8b'],
    ['model "llama3" not found, try pulling it first', 'llama3'],
  ])('%s: not installed — pull it with ollama pull', (text, model) => {
    const err = ollamaError(answered(404, text), `/api/show for "${model}"`, { model }, at);
    expect(err.kind).toBe('model_not_found');
    expect(err.message).toContain(`pull it with \`ollama pull ${model}\``);
  });

  it.each([
    ['{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}', 404],
    ['404 page not found', 404],
    ['Not Found', 404],
    ['405 method not allowed', 405],
  ])('%s (HTTP %i): not Ollama — never "not installed" nor "ollama pull"', (text, status) => {
    const err = ollamaError(answered(status, text), '/api/version', {}, at);
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(
      `Ollama is not reachable at 127.0.0.1:8080 (it does not answer as Ollama: /api/version gave HTTP ${status}) — ` +
        'check the port in settings (OLLM_HOST or OLLAMA_HOST): a server other than Ollama listens there.',
    );
    expect(err.message).not.toMatch(/ollama pull|not installed|ollama serve/);
  });

  it("an OpenAI-style list on Ollama's list path is not Ollama's answer (llama-server serves /api/tags)", () => {
    const raw = { models: [{ name: 'm', model: 'm', size: '', digest: '' }], object: 'list', data: [{ id: 'm' }] };
    expect(() => checkedModels('h:1', '/api/tags', raw)).toThrow(/an OpenAI-style list/);
    expect(checkedModels('h:1', '/api/tags', { models: [] })).toEqual([]);
  });
});

describe('what answers there, named, with the hosts entry that fits it', () => {
  it('the words of each finding', () => {
    expect(notOllamaWhy('llama.cpp', '/api/version', 404)).toBe('a llama.cpp server answers there, not Ollama');
    expect(notOllamaWhy('OpenAI-compatible', '/api/tags', 404)).toBe(
      'an OpenAI-compatible server answers there, not Ollama',
    );
    expect(notOllamaWhy('Ollama', '/api/ps', 404)).toBe(
      'Ollama answers there but has no /api/ps: it is older than ollm-mcp needs',
    );
    expect(notOllamaWhy(undefined, '/api/tags', undefined)).toBe(
      'it does not answer as Ollama: /api/tags gave an answer Ollama never gives',
    );
  });

  it('the next step: a hosts entry for ollama.host, the kind for a hosts entry — never "ollama serve"', () => {
    const llama = notOllamaWhy('llama.cpp', '/api/version', 404);
    expect(addressNext(llama, 'http://box:8080', 'OLLM_HOST or OLLAMA_HOST')).toBe(
      'add it as a host — hosts: [{name: llama, kind: llamacpp, url: http://box:8080}] — and set ollama.host ' +
        '(OLLM_HOST or OLLAMA_HOST) to where Ollama runs; with no Ollama, ollama.host stays down and the other ' +
        'hosts serve',
    );
    const openai = notOllamaWhy('OpenAI-compatible', '/api/version', 404);
    expect(addressNext(openai, 'http://box:8000', 'OLLM_HOST or OLLAMA_HOST')).toMatch(
      /^add it as a host — hosts: \[\{name: engine, kind: openai, url: http:\/\/box:8000\/v1\}\]/,
    );
    expect(addressNext(llama, 'http://box:8080', 'hosts.gpu.url')).toBe(
      'make hosts.gpu kind: llamacpp (url: http://box:8080) in settings',
    );
    expect(addressNext(notOllamaWhy('Ollama', '/api/ps', 404), 'http://box:11434', 'hosts.gpu.url')).toBe(
      'update Ollama (https://ollama.com/download)',
    );
    expect(addressNext('connection refused', 'http://box:8080', 'hosts.gpu.url')).toBeUndefined();
  });
});

describe('engineAt: the server asked what it is', () => {
  type Reply = { status?: number; body: string };
  const server = (routes: Record<string, Reply>) => {
    const asked: string[] = [];
    const get = async (url: string) => {
      const path = new URL(url).pathname;
      asked.push(path);
      const r = routes[path] ?? { status: 404, body: '{"error":"nope"}' };
      const status = r.status ?? 200;
      return { ok: status < 300, body: new Response(r.body).body };
    };
    return { get, asked };
  };

  it('llama-server by its /props (build_info, default_generation_settings, a router role)', async () => {
    for (const props of ['{"build_info":"b6000-abc"}', '{"default_generation_settings":{}}', '{"role":"router"}'])
      expect(await engineAt('http://h:1', server({ '/props': { body: props } }).get)).toBe('llama.cpp');
  });

  it('by /v1/models: llama-server entries owned_by llamacpp, any other list OpenAI-compatible', async () => {
    const llama = { '/v1/models': { body: '{"data":[{"id":"m","owned_by":"llamacpp"}]}' } };
    expect(await engineAt('http://h:1', server(llama).get)).toBe('llama.cpp');
    const vllm = { '/v1/models': { body: '{"object":"list","data":[{"id":"m","owned_by":"vllm"}]}' } };
    expect(await engineAt('http://h:1', server(vllm).get)).toBe('OpenAI-compatible');
  });

  it('Ollama by its root; nothing known, a refusal, a bad or oversized answer: undefined', async () => {
    expect(await engineAt('http://h:1', server({ '/': { body: 'Ollama is running' } }).get)).toBe('Ollama');
    expect(await engineAt('http://h:1', server({}).get)).toBeUndefined();
    const refused = { '/props': { status: 401, body: '{"build_info":"b1"}' } };
    expect(await engineAt('http://h:1', server(refused).get)).toBeUndefined();
    expect(await engineAt('http://h:1', server({ '/props': { body: 'build_info' } }).get)).toBeUndefined();
    const huge = { '/v1/models': { body: `{"data":[],"x":"${'a'.repeat(70 * 1024)}"}` } };
    expect(await engineAt('http://h:1', server(huge).get)).toBeUndefined();
    const failing = async () => Promise.reject(new Error('ECONNREFUSED'));
    expect(await engineAt('http://h:1', failing)).toBeUndefined();
  });
});
