/**
 * Each engine kind over real sockets (issue 54, finding 10): a host name that does not resolve, an
 * https:// address to a plain HTTP server, an http:// address to a TLS server (a throwaway
 * self-signed certificate) and to a server answering something not HTTP are named as what they
 * are, with the setting to correct; a refused connection still says to start the engine.
 */
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { LlamacppBackend } from '../../src/orchestrator/engines/llamacpp/llamacpp.js';
import { OpenAIBackend } from '../../src/orchestrator/engines/openai/openai.js';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { selfSigned } from '../helpers/self-signed.js';
import { tempDir } from '../helpers/temp.js';
import { FakeOllama } from '../fake-ollama/server.js';

const servers: net.Server[] = [];
const listen = async <S extends net.Server>(s: S): Promise<number> => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};
let plain = 0; // plain HTTP
let tls = 0; // HTTPS, self-signed
let garbage = 0; // answers a line that is not HTTP
let closed = 0; // nothing listens

beforeAll(async () => {
  plain = await listen(http.createServer((_q, r) => r.end('{}')));
  tls = await listen(https.createServer(selfSigned(), (_q, r) => r.end('{}')));
  garbage = await listen(
    net.createServer((s) => s.once('data', () => s.end('SSH-2.0-OpenSSH_9.6\r\nnot http at all\r\n'))),
  );
  const gone = net.createServer();
  closed = await listen(gone);
  servers.pop();
  await new Promise((r) => gone.close(r));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** The message a call fails with. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the call did not fail');
}

const kinds = [
  {
    kind: 'Ollama',
    setting: 'OLLM_HOST or OLLAMA_HOST',
    path: '',
    started: /start it with `ollama serve`/,
    ask: (url: string) => new OllamaBackend({ host: url, timeoutMs: 10_000 }).version(),
  },
  {
    kind: 'Ollama (a named host)',
    setting: 'hosts.gpubox.url',
    path: '',
    started: /start it with `ollama serve`, or correct hosts\.gpubox\.url in settings/,
    ask: (url: string) => new OllamaBackend({ host: url, timeoutMs: 10_000, setting: 'hosts.gpubox.url' }).version(),
  },
  {
    kind: 'llama.cpp',
    setting: 'hosts.llama.url',
    path: '',
    started: /start it \(llama-server --models-dir DIR …\), or correct its url in settings \(hosts\.llama\.url\)/,
    ask: (url: string) => new LlamacppBackend({ name: 'llama', url, timeoutMs: 10_000 }).version(),
  },
  {
    kind: 'OpenAI-compatible',
    setting: 'hosts.vllm.url',
    path: '/v1',
    started: /is it running\?/,
    ask: (url: string) => new OpenAIBackend({ name: 'vllm', baseURL: url }).listModels(),
  },
];

describe.each(kinds)('$kind', ({ setting, path, started, ask }) => {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('a host name that does not resolve: the name is the cause, and the setting is named — not "start it"', async () => {
    const message = await failure(ask(`http://no-such-host.invalid:11434${path}`));
    expect(message).toMatch(
      new RegExp(
        `\\(the host name "no-such-host\\.invalid" does not resolve: (ENOTFOUND|EAI_AGAIN)\\) — the ` +
          `name does not resolve: check the address in settings \\(${esc(setting)}\\)\\.$`,
      ),
    );
    expect(message).not.toMatch(started);
  });

  it('a refused connection: start it, as before', async () => {
    const message = await failure(ask(`http://127.0.0.1:${closed}${path}`));
    expect(message).toMatch(/\(connection refused\)/);
    expect(message).toMatch(started);
  });

  it('https:// to a plain HTTP server: it does not speak HTTPS there — use http://', async () => {
    const message = await failure(ask(`https://127.0.0.1:${plain}${path}`));
    expect(message).toMatch(
      new RegExp(
        `\\(it does not speak HTTPS there: [A-Z_]+, wrong version number\\) — use ` +
          `http://127\\.0\\.0\\.1:${plain}${esc(path)} in settings \\(${esc(setting)}\\)\\.$`,
      ),
    );
  });

  it('http:// to a TLS server: it speaks HTTPS there — use https://', async () => {
    const message = await failure(ask(`http://127.0.0.1:${tls}${path}`));
    expect(message).toMatch(
      new RegExp(
        `\\(it speaks HTTPS there, not plain HTTP\\) — use ` +
          `https://127\\.0\\.0\\.1:${tls}${esc(path)} in settings \\(${esc(setting)}\\)\\.$`,
      ),
    );
  });

  it('http:// to a server that does not answer in HTTP: its answer is not HTTP — check the port', async () => {
    const message = await failure(ask(`http://127.0.0.1:${garbage}${path}`));
    expect(message).toMatch(
      new RegExp(
        `\\(its answer is not HTTP: HPE_[A-Z_]+\\) — check the port in settings ` +
          `\\(${esc(setting)}\\) — or, if it speaks HTTPS there, use ` +
          `https://127\\.0\\.0\\.1:${garbage}${esc(path)}\\.$`,
      ),
    );
  });
});

describe('doctor', () => {
  const doctorFor = async (host: string) => {
    const home = tempDir('ollm-home-');
    const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: host } });
    const orch = new Orchestrator(config, {
      memorySource: {
        memory: async () => ({ totalBytes: 16e9, availableBytes: 8e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      },
    });
    return (await runDoctor(orch)).checks.find((c) => c.name === 'Ollama')!;
  };

  it(
    'an Ollama address whose name does not resolve: check the address (OLLM_HOST or ' +
      'OLLAMA_HOST), not "ollama serve"',
    async () => {
      const check = await doctorFor('http://no-such-host.invalid:11434');
      expect(check.level).toBe('fail');
      expect(check.detail).toMatch(/the host name "no-such-host\.invalid" does not resolve/);
      expect(check.fix).toBe('the name does not resolve: check the address in settings (OLLM_HOST or OLLAMA_HOST)');
    },
  );

  it('an https:// Ollama address to a plain server: use http://', async () => {
    const check = await doctorFor(`https://127.0.0.1:${plain}`);
    expect(check.fix).toBe(`use http://127.0.0.1:${plain} in settings (OLLM_HOST or OLLAMA_HOST)`);
  });

  it('nothing listening: start it with ollama serve, as before', async () => {
    const check = await doctorFor(`http://127.0.0.1:${closed}`);
    expect(check.detail).toMatch(/connection refused/);
    expect(check.fix).toMatch(/^start it with `ollama serve`/);
  });
});

describe('an Ollama address with a path (issue 75, finding 1; issue 83, finding 1): Ollama answers, at the address without it', () => {
  let fake: FakeOllama;
  beforeAll(async () => {
    fake = await FakeOllama.start({ models: [] });
  });
  afterAll(() => fake.stop());

  const doctorAt = async (host: string) => {
    const config = await loadConfig({ env: { OLLM_HOME: tempDir('ollm-home-'), OLLM_HOST: host } });
    const memory = async () => ({ totalBytes: 16e9, availableBytes: 8e9, swapTotalBytes: 0, swapUsedBytes: 0 });
    const orch = new Orchestrator(config, { memorySource: { memory, gpus: async () => [] } });
    const checks = (await runDoctor(orch)).checks;
    return { ollama: checks.find((c) => c.name === 'Ollama')!, note: checks.find((c) => c.name === 'Ollama address') };
  };

  it.each(['/v1', '/api', '/v1/', '/api/'])(
    '%s: dropped at load, so Ollama answers — and doctor names the path and the fix (drop it)',
    async (path) => {
      const { ollama, note } = await doctorAt(`${fake.url}${path}`);
      expect(ollama.level).toBe('ok');
      expect(note?.level).toBe('warn');
      expect(note?.detail).toMatch(
        new RegExp(`^OLLM_HOST \\(from env OLLM_HOST\\) ends in ${path.replace(/\/$/, '')}, which`),
      );
      expect(note?.fix).toBe(`drop the path: set OLLM_HOST to ${fake.url}`);
      expect(`${note?.detail} ${note?.fix}`).not.toMatch(/ollama serve|not installed/);
    },
  );

  it('any other path (a proxy prefix) is kept; where no API answers, the path is the cause and the fix drops it', async () => {
    const { ollama, note } = await doctorAt(`${fake.url}/ollama`);
    expect(note).toBeUndefined();
    expect(ollama.level).toBe('fail');
    expect(ollama.detail).toMatch(/its address has the path \/ollama, where no API answers/);
    expect(ollama.fix).toBe(`drop the path: use ${fake.url} in settings (OLLM_HOST or OLLAMA_HOST)`);
  });

  it('the right side: the address without a path has no note', async () => {
    expect((await doctorAt(fake.url)).note).toBeUndefined();
  });

  it('the other side: the address without a path answers, and a model it lacks is still "not installed"', async () => {
    expect((await doctorAt(fake.url)).ollama.level).toBe('ok');
    const backend = new OllamaBackend({ host: fake.url, timeoutMs: 10_000 });
    const message = await failure(backend.call('show', (c) => c.show({ model: 'no-such-model:1b' })));
    expect(message).toMatch(/not installed/);
    expect(message).not.toMatch(/address has the path/);
  });
});
