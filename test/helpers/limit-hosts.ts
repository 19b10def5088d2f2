/**
 * Two fake Ollama hosts for a split job's model against the client's limit (test/integration/limit-split-hosts.test.ts,
 * limit-split-pace.test.ts): qwen2.5:14b at a 64k window and phi3:mini at 8k on each, 32 GB each; phi3:mini loaded
 * on the first host by another client (the route ranks it first for a summary, and passes it over for its window's
 * room); speeds recorded as measured; the job over a log planned as a dry run, within a client's limit or none.
 */
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from './core.js';
import { FAIR_YAML, fairModels, longLog } from './fair.js';

const TASK = 'Summarize this log.';

/** A speed sample of 3,000 prompt tokens and 100 answer tokens, read and written in these times. */
export const sample = (promptMs: number, generationMs: number) => ({
  promptTokens: 3000,
  promptMs,
  outputTokens: 100,
  generationMs,
  cut: false,
});

/** The fleet (`numParallel` slots each, when given); its stops pushed to `stops`. */
export async function limitHosts(stops: Array<() => Promise<unknown>>, numParallel?: number) {
  const [big, small] = fairModels(1);
  const models = [
    { ...big!, contextLength: 65536 },
    { ...small!, contextLength: 8192 },
  ];
  const [a, b] = await Promise.all([0, 1].map(() => FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 1, models })));
  const slots = numParallel === undefined ? '' : `, numParallel: ${numParallel}`;
  const first =
    numParallel === undefined ? FAIR_YAML : FAIR_YAML.replace('ollama:\n', `ollama:\n  numParallel: ${numParallel}\n`);
  const yaml = `${first}hosts:\n  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: 32GB}${slots}}\n`;
  const core = await coreFor(a!, { totalBytes: 32e9, yaml });
  stops.push(
    () => core.shutdown(200),
    () => a!.stop(),
    () => b!.stop(),
  );
  /** phi3:mini loaded on the first host by another client, at 8k. */
  const loadSmall = async () =>
    (
      await fetch(`${a!.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: small!.name, options: { num_ctx: 8192 } }),
      })
    ).text();
  const req = {
    prompt: TASK,
    intent: TASK,
    task: 'summarize' as const,
    useMemory: false,
    inputsByReference: true,
    dryRun: true,
  };
  /** The job over a log of `bytes` planned, within `clientLimitMs` when given: a split plan. */
  const plan = async (bytes: number, clientLimitMs?: number) => {
    const p = await planOffload(core, { ...req, ...(clientLimitMs !== undefined && { clientLimitMs }) }, [
      { label: 'logs/app.log', text: longLog(bytes) },
    ]);
    if (p.kind !== 'split') throw new Error(`expected a split plan, got ${p.kind}`);
    return p.plan;
  };
  return { core, big: big!, small: small!, loadSmall, plan };
}
