/**
 * Split benchmark (`npm run bench -- offload`): long inputs read in parts. 100 KB, 1 MB and 4 MB
 * logs against an 8k window, a 32k window and a memory-bound one (llama3.1:8b, trained for 131,072
 * tokens, on a 12 GB host) on the fake Ollama; and a 48 KB log on the real llama-server (the
 * stories model, 2,048 tokens) when it is built. For each: parts, combining rounds, requests,
 * tokens sent against the input's own tokens (goal: framing and combining add at most 15%), and
 * time. The jobs run in this process through the core (the MCP layer is measured elsewhere).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, Orchestrator } from '../src/orchestrator/index.js';
import { offload } from '../src/orchestrator/jobs/offload.js';
import { estimateTokens } from '../src/orchestrator/generation/classify.js';
import { gatheredLog, longLog } from '../test/helpers/fair.js';
import { DEFAULT_MODELS, FakeOllama } from '../test/fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../test/fake-ollama/fixtures-extra.js';
import { countTokens } from '../test/fake-ollama/tokenize.js';
import { coreFor } from '../test/helpers/core.js';
import { HAVE_ENGINE, modelsDir, startEngine, stopEngines } from '../test/helpers/llamacpp.js';
import { tempDir } from '../test/helpers/temp.js';

const GOAL = 0.15;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\ninputs:\n  maxParts: 2000\n';
/** What a model answers for a part: a short summary (~40 tokens), as a partial answer tends to be. */
const PARTIAL =
  'Errors in this part: job failures on workers 2 and 5 (status=error), mostly around minute ' +
  '10; everything else handled ok.';

const llama31 = NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!;
const phi3 = DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!;
const WINDOWS = [
  { name: '8k window', model: { ...phi3, contextLength: 8192 }, memory: 32e9 },
  { name: '32k window', model: { ...phi3, contextLength: 32768 }, memory: 32e9 },
  { name: 'memory-bound (llama3.1:8b, 12 GB)', model: llama31, memory: 12e9 },
];
const SIZES = [100_000, 1_000_000, 4_000_000];

const fmt = (n: number) => n.toLocaleString('en-US');
const kb = (n: number) => (n >= 1e6 ? `${n / 1e6} MB` : `${n / 1e3} KB`);

export async function benchOffloadSplit(): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  for (const w of WINDOWS) {
    for (const size of SIZES) {
      const fake = await FakeOllama.start({
        memoryBytes: w.memory,
        models: [w.model],
        tokenDelayMs: 0,
        loadDelayMs: 0,
        numParallel: 2,
      });
      fake.reply((ctx) =>
        /Combine them into one answer/.test(ctx.prompt ?? '')
          ? 'The errors: job failures on workers 2 and 5.'
          : PARTIAL,
      );
      try {
        const core = await coreFor(fake, { totalBytes: w.memory, yaml: `${YAML}ollama:\n  numParallel: 2\n` });
        const text = longLog(size);
        const t0 = performance.now();
        const r = await offload(core, {
          prompt: 'List the errors in this log.',
          task: 'summarize',
          useMemory: false,
          inputs: gatheredLog(text),
        });
        const ms = performance.now() - t0;
        const gens = fake.generations();
        const sent = gens.reduce((s, g) => s + g.promptTokens, 0);
        const input = countTokens(text);
        const extra = sent / input - 1;
        const fits = gens.every((g) => g.fits && !g.truncated);
        ok &&= extra <= GOAL && fits;
        lines.push(
          `offload split: ${kb(size)} log, ${w.name}: ` +
            `${r.split ? `${r.split.parts} parts of a ${fmt(r.split.contextTokens)}-token window, ${r.split.rounds} combining round${r.split.rounds === 1 ? '' : 's'}` : 'whole'}, ` +
            `${gens.length} requests${fits ? ' (all within num_ctx)' : ' (SOME CUT)'}; tokens sent ` +
            `${fmt(sent)} for an input of ${fmt(input)}: framing and combining ` +
            `+${(extra * 100).toFixed(1)}% (goal ≤ ${GOAL * 100}%) ${extra <= GOAL ? 'OK' : 'MISSED'}; ` +
            `${(ms / 1000).toFixed(1)} s`,
        );
        await core.shutdown(100);
      } finally {
        await fake.stop();
      }
    }
  }
  if (HAVE_ENGINE)
    lines.push(
      await realEngine().catch(
        (e: unknown) => `offload split: real llama-server: failed: ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
  else lines.push('offload split: real llama-server: not built (npm run engine) — skipped');
  return { ok, lines };
}

/** A 48 KB log on the real router with the stories model (2,048 tokens): its own tokenizer counts the parts. */
async function realEngine(): Promise<string> {
  const router = await startEngine({ dir: modelsDir(['stories']), modelsMax: 1, ctx: 2048 });
  const home = tempDir('ollm-bench-split-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: 'http://127.0.0.1:9' } });
  const orch = new Orchestrator(config, {
    memorySource: {
      memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    },
  });
  try {
    const text = longLog(48_000);
    const t0 = performance.now();
    const r = await offload(orch, {
      prompt: 'List the errors in this log.',
      task: 'summarize',
      useMemory: false,
      maxTokens: 64,
      inputs: gatheredLog(text),
    });
    const ms = performance.now() - t0;
    const tokenized = (await (
      await fetch(`${router.url}/tokenize`, {
        method: 'POST',
        body: JSON.stringify({ model: 'stories', content: text }),
      })
    ).json()) as { tokens: unknown[] };
    const input = tokenized.tokens.length;
    const extra = r.metrics.promptTokens / input - 1;
    return (
      `offload split: 48 KB log, real llama-server (stories, 2,048 tokens): ${r.split!.parts} ` +
      `parts, ${r.split!.rounds} combining rounds, ${r.split!.calls} requests; prompt tokens the ` +
      `engine counted ${fmt(r.metrics.promptTokens)} for an input of ${fmt(input)} (its ` +
      `tokenizer; the estimate said ${fmt(estimateTokens(text))}): framing and combining ` +
      `+${(extra * 100).toFixed(1)}%; ${(ms / 1000).toFixed(1)} s`
    );
  } finally {
    await orch.shutdown(100);
    await router.kill();
    await stopEngines();
  }
}
