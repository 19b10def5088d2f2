// Every adapter against a server (or proxy) that refuses and quotes the Authorization header and
// the key it was sent (test/fake-keyecho): each failure is a HostError that says the refusal and
// its status, and holds neither the key nor a credential of any shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKeyEcho } from '../fake-keyecho/server.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { LlamacppBackend } from '../../src/orchestrator/engines/llamacpp/llamacpp.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { OpenAIEngine } from '../../src/orchestrator/engines/openai/openai-engine.js';
import { OpenAIBackend } from '../../src/orchestrator/engines/openai/openai.js';

const KEY = 'plainlettersonlykey'; // nothing shaped like a key: only its value tells it
const GATEWAY = 'gwKey0123456789abcdefXYZ';
let echo: { llama: FakeKeyEcho; openai: FakeKeyEcho; ollama: FakeKeyEcho };

beforeAll(async () => {
  process.env.OLLM_TEST_ENGINE_KEY = KEY;
  echo = {
    llama: await FakeKeyEcho.start(),
    openai: await FakeKeyEcho.start({ status: 502 }),
    ollama: await FakeKeyEcho.start({ status: 403, ownKey: GATEWAY }),
  };
});
afterAll(async () => {
  delete process.env.OLLM_TEST_ENGINE_KEY;
  await Promise.all(Object.values(echo ?? {}).map((e) => e.stop()));
});

async function failure(p: Promise<unknown>): Promise<HostError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HostError);
  return err as HostError;
}

describe('a refusal that quotes the key', () => {
  it("llama.cpp: the router's refusal is said, without its key", async () => {
    const engine = new LlamacppBackend({
      name: 'llama',
      url: echo.llama.url,
      apiKeyEnv: 'OLLM_TEST_ENGINE_KEY',
      timeoutMs: 5000,
    });
    const err = await failure(engine.list());
    expect(echo.llama.seen).toContain(`Bearer ${KEY}`);
    expect(err.message).toMatch(
      /^llama-server at 127\.0\.0\.1:\d+ refused GET \/props \(HTTP 401: Unauthorized: .*Authorization: Bearer \[redacted\]; the key \[redacted\] is not valid/,
    );
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain(encodeURIComponent(KEY));
  });

  it("OpenAI-compatible: a proxy's 502 quoting the key is said, without it", async () => {
    const engine = new OpenAIEngine(
      new OpenAIBackend({ name: 'lab', baseURL: `${echo.openai.url}/v1`, apiKeyEnv: 'OLLM_TEST_ENGINE_KEY' }),
      { parallel: 1, stallMs: 5000 },
    );
    const err = await failure(engine.list());
    expect(err.message).toMatch(/HTTP 502/);
    expect(err.message).not.toContain(KEY);
  });

  it("Ollama: a gateway's 403 quoting its own credential is said, without it", async () => {
    const engine = new OllamaBackend({ host: echo.ollama.url, timeoutMs: 5000 });
    const err = await failure(engine.list());
    expect(err.message).toMatch(
      /^Ollama at 127\.0\.0\.1:\d+ rejected \/api\/tags: Unauthorized: upstream refused \{"authorization":"Bearer \[redacted\]"\}; Authorization: Bearer \[redacted\]$/,
    );
  });
});
