import { routeAndGenerate } from '../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';
const models = DEFAULT_REGISTRY.filter((m) => m.name === 'llama3.2:latest');
async function run(two: boolean) {
  const a = await FakeOllama.start({ models, memoryBytes: 16e9, tokenDelayMs: 20, loadDelayMs: 500 });
  const b = await FakeOllama.start({ models, memoryBytes: 16e9, tokenDelayMs: 20, loadDelayMs: 500 });
  a.reply(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '));
  b.reply(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '));
  const yaml = ['ollama:', '  capacity: {ram: 16GB}', ...(two ? ['hosts:', `  - {name: second, kind: ollama, url: "${b.url}", capacity: {ram: 16GB}}`] : []), 'ram:', '  budget: "100%"', '  bufferBytes: 0'].join('\n');
  const core = await coreFor(a, { totalBytes: 16e9, yaml });
  await routeAndGenerate(core, { prompt: 'warm', model: 'llama3.2', maxTokens: 2, agent: 'w' });
  const t = performance.now();
  const per = new Map<string, number>();
  await Promise.all(['x', 'y', 'z'].map(async (agent) => { for (let i = 0; i < 6; i++) { const r = await routeAndGenerate(core, { prompt: `question ${i} from ${agent}`, model: 'llama3.2', maxTokens: 40, agent, client: agent }); per.set(r.host ?? 'ollama', (per.get(r.host ?? 'ollama') ?? 0) + 1); } }));
  const ms = performance.now() - t;
  console.log(two ? 'two' : 'one', (ms / 1000).toFixed(2), 's', JSON.stringify([...per]), 'loads', a.stats().loads, b.stats().loads);
  await core.metrics.close(); await core.shutdown(100); await a.stop(); await b.stop();
  return ms;
}
const one = await run(false); const two = await run(true);
console.log('ratio', (two / one).toFixed(2));
process.exit(0);
