/**
 * Fake Ollama hosts of llama3.2 for a named model's calls over a fleet (test/integration/named-copies.test.ts,
 * spread-pace.test.ts, prompts-apart.test.ts): 16 GB each, one slot, 10 ms a token, loads of 20 ms (`fake` for
 * others), 20-word answers; the first host, and a second one (`room`: its RAM holds the model, else 1 GB) unless
 * `two` is false; stopped after the test (`stops`).
 */
import { DEFAULT_REGISTRY, FakeOllama, type FakeOllamaOptions } from '../fake-ollama/server.js';
import { coreFor } from './core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

export const MODEL = 'llama3.2:latest';
const models = DEFAULT_REGISTRY.filter((m) => m.name === MODEL);

export async function namedFleet(
  stops: Array<() => Promise<unknown>>,
  two: boolean,
  room = true,
  fake: Partial<FakeOllamaOptions> = {},
) {
  const options = { models, memoryBytes: 16e9, tokenDelayMs: 10, loadDelayMs: 20, ...fake };
  const [a, b] = await Promise.all([0, 1].map(() => FakeOllama.start(options)));
  for (const f of [a!, b!]) f.reply(oneTokenWords(20, 'w'));
  const second = `  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: ${room ? '16GB' : '1GB'}}}`;
  const yaml = [
    'ollama:',
    '  capacity: {ram: 16GB}',
    ...(two ? ['hosts:', second] : []),
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ];
  const core = await coreFor(a!, { totalBytes: 16e9, yaml: yaml.join('\n') });
  stops.push(
    () => core.shutdown(200),
    () => a!.stop(),
    () => b!.stop(),
  );
  return { core, fakes: [a!, b!] };
}

/** As route_and_generate sends a named model: that model alone. */
export const named = (prompt: string, agent: string) =>
  ({ prompt, model: 'llama3.2', only: true, maxTokens: 20, agent, client: agent, useMemory: false }) as const;
