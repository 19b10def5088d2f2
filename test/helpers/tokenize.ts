/** For the tests of the engine's tokenizer end to end (test/e2e/tokenize-bounds*.test.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { connect, tempHome } from './spawn.js';
import { modelsDir } from './llamacpp.js';
import { tempDir } from './temp.js';

/** `n` log lines: many tokens by the estimate, few words (the fake's tokenizer counts a token a word). */
export function logLines(n: number): string {
  return `${Array.from({ length: n }, (_, i) => `2026-11-22T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z worker-${i % 7} LINE-${i} handled=${i * 31} status=${i % 13 === 0 ? 'error' : 'ok'}`).join('\n')}\n`;
}

/** The setup every tokenize test shares: a project with the logs, a llama.cpp host, the built server in it. */
export async function tokenizeSetup(router: boolean) {
  const root = tempDir('ollm-tok-');
  // ~10 KB: ~4,200 estimated tokens (more than the window even as the fake's answers calibrate it), 800 words
  writeFileSync(join(root, 'whole.log'), logLines(160));
  // ~50 KB: ~21,000 estimated tokens, 4,000 words: parts even by the engine's count
  writeFileSync(join(root, 'big.log'), logLines(800));
  const names = router ? ['storiesA', 'storiesB'] : ['storiesA'];
  const dir = modelsDir(names);
  const llama = await FakeLlamacpp.start({
    models: names.map((id) => ({ id, file: join(dir, `${id}.gguf`), ctxSize: 2048 })),
    router,
    modelsMax: 2,
  });
  const ollama = await FakeOllama.start({ models: [] });
  const home = tempHome(['hosts:', `  - {name: llama, kind: llamacpp, url: "${llama.url}"}`, ''].join('\n'));
  const session = await connect({ OLLM_HOME: home, OLLAMA_HOST: ollama.host }, [], root);
  const call = async (name: string, args: Record<string, unknown>) => {
    const from = session.stderr().length;
    const res = await session.client.callTool({ name, arguments: args }, { timeout: 60_000 });
    const text = (res.content as Array<{ text: string }>).map((c) => c.text).join('\n');
    const logged = session
      .stderr()
      .slice(from)
      .split('\n')
      .filter((l) => /token count/.test(l));
    return {
      isError: res.isError === true,
      text,
      out: res.structuredContent as Record<string, unknown> & {
        reason?: string;
        split?: { parts: number; calls: number };
        results?: Array<{ model: string; error?: string; text: string }>;
      },
      logged,
    };
  };
  const tokenizeCalls = () => llama.requests.filter((r) => r.path === '/tokenize').length;
  const stop = async () => {
    await session.close().catch(() => undefined);
    await Promise.all([llama.stop(), ollama.stop()]);
  };
  return { llama, session, call, tokenizeCalls, stop };
}
