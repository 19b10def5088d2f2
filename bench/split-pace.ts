/**
 * A split job over copies of different speeds (`npm run bench -- split-pace`): two fake Ollama hosts with the same
 * model at an 8k window, two slots each, the second ten times slower (a GPU box beside a laptop's CPU); a log read
 * by path, split in about a dozen parts. Side by side in one run, the same job on two fleets alike but for what was
 * measured: the slow host's speed measured (its copy used by the plan and timed, each copy at its own pace:
 * fleet/copies-pace.ts), and not yet measured (every copy counted alike, as the plan counted them before); then the
 * slow host the fleet's own (`ollama.host`, where the route puts the job), both measured. Goals: the job with the
 * slow copy's speed measured ends in 0.8× or less of the time it takes counted alike (a part on the slow copy takes
 * as long as the rest on the fast one), its plan's estimate (the dry run's) is within 25% of its real time, and with
 * the slow host the route's own it ends within 1.25× of the first (the route's copy left out as too slow, the job
 * planned on the fast one: route/split-copies.ts lead). Through the core, as bench/split-eta.ts.
 */
import { offload } from '../src/orchestrator/jobs/offload.js';
import { gatheredLog, longLog } from '../test/helpers/fair.js';
import { DEFAULT_MODELS, FakeOllama } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';
import { oneTokenWords } from '../test/fake-ollama/tokenize.js';

const RATIO_GOAL = 0.8;
const ESTIMATE_GOAL = 0.25;
/** The slow host the route's own: the job as quick as where the route chose the fast one, within this. */
const LEAD_GOAL = 1.25;
const SLOWER = 10;
const fast = {
  ...DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!,
  contextLength: 8192,
  tokenDelayMs: 2,
  promptTokenDelayMs: 0.05,
};
const slow = {
  ...fast,
  tokenDelayMs: fast.tokenDelayMs * SLOWER,
  promptTokenDelayMs: fast.promptTokenDelayMs * SLOWER,
};
const PARTIAL = oneTokenWords(200, 'finding');
const FINAL = oneTokenWords(200, 'summary');
const prose = (n: number) => Array.from({ length: n }, (_, i) => ['the', 'cache', 'holds', 'entries'][i % 4]).join(' ');

interface Run {
  seconds: number;
  estimate: number;
  parts: number;
  hosts: string;
  /** The route chose the slow host, and the job ran on the fast one, its reason saying so. */
  led?: boolean;
}

type Core = Awaited<ReturnType<typeof coreFor>>;

/** A request on `f`'s engine (loading the model at 8k), its timings recorded as the speeds of host `name`. */
async function measure(core: Core, f: FakeOllama, name: string): Promise<void> {
  const res = await fetch(`${f.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model: slow.name, prompt: prose(3000), stream: false, options: { num_ctx: 8192 } }),
  });
  const r = (await res.json()) as Record<string, number>;
  const ms = (ns: number | undefined) => (ns ?? 0) / 1e6;
  const sample = {
    promptTokens: r.prompt_eval_count ?? 0,
    promptMs: ms(r.prompt_eval_duration),
    outputTokens: r.eval_count ?? 0,
    generationMs: ms(r.eval_duration),
    cut: false,
  };
  await core.speeds.record(name, slow.name, sample, { defer: false });
}

/**
 * The job on a fresh fleet: the model used on the fast host, and on the slow one too when `measured`; `slowFirst`:
 * the slow host is the fleet's own (`ollama.host`, the route's), the fast one an entry of `hosts:`, both measured.
 */
async function run(measured: boolean, size: number, slowFirst = false): Promise<Run> {
  const opts = { memoryBytes: 64e9, loadDelayMs: 0, numParallel: 2, defaultNumCtx: 8192 };
  const [a, b] = await Promise.all([
    FakeOllama.start({ ...opts, models: [fast] }),
    FakeOllama.start({ ...opts, models: [slow] }),
  ]);
  for (const f of [a, b]) f.reply((ctx) => (/Answer from this part only/.test(ctx.prompt ?? '') ? PARTIAL : FINAL));
  const [own, other, name] = slowFirst ? [b, a, 'gpu'] : [a, b, 'laptop'];
  const yaml =
    'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  numParallel: 2\n  contextLength: 8192\nhosts:\n' +
    `  - {name: ${name}, kind: ollama, url: "${other.url}", capacity: {ram: 64GB}, numParallel: 2}\n`;
  const core = await coreFor(own, { totalBytes: 64e9, yaml });
  try {
    const warm = {
      prompt: `Summarize: ${prose(3000)}`,
      model: fast.name,
      task: 'summarize' as const,
      useMemory: false,
    };
    // the model used (on the fast host: its speeds and a summary's length learned), then, measured, another
    // client's request on the slow host, its engine's timings taken as the server takes an answer's
    if (slowFirst) {
      // both hosts' speeds measured as another client's requests ran there: the route's own host the slow one
      await measure(core, a, 'gpu');
      await measure(core, b, 'ollama');
    } else for (let i = 0; i < 2; i++) await offload(core, { ...warm, maxTokens: 400 });
    if (measured && !slowFirst) await measure(core, b, 'laptop');
    await core.speeds.load();
    const ask = {
      client: 'job-client',
      prompt: 'List the errors in this log.',
      model: fast.name,
      task: 'summarize' as const,
      useMemory: false,
      maxTokens: 1024,
      inputs: gatheredLog(longLog(size)),
    };
    const dry = await offload(core, { ...ask, dryRun: true });
    const before = [a, b].map((f) => f.generations().length);
    const t0 = performance.now();
    const r = await offload(core, ask);
    const seconds = (performance.now() - t0) / 1000;
    const ran = [a, b].map((f, i) => f.generations().length - before[i]!);
    return {
      seconds,
      estimate: dry.advice?.expectedSeconds ?? NaN,
      parts: r.split?.parts ?? 0,
      hosts: `${ran[0]} requests on the fast host, ${ran[1]} on the slow one`,
      ...(slowFirst && { led: /its parts run on gpu/.test(r.reason) }),
    };
  } finally {
    await core.shutdown(100);
    await Promise.all([a.stop(), b.stop()]);
  }
}

export async function benchSplitPace(
  size = Number(process.env.OLLM_BENCH_PACE_BYTES ?? 150_000),
): Promise<{ ok: boolean; lines: string[] }> {
  const paced = await run(true, size);
  const even = await run(false, size);
  const slowFirst = await run(true, size, true);
  const ratio = paced.seconds / even.seconds;
  const off = paced.estimate / paced.seconds - 1;
  const fits = ratio <= RATIO_GOAL;
  const close = Math.abs(off) <= ESTIMATE_GOAL;
  const lead = slowFirst.seconds / paced.seconds;
  const led = lead <= LEAD_GOAL;
  const line = (name: string, x: Run) =>
    `split-pace: ${name}: ${x.parts} parts, ${x.seconds.toFixed(1)} s (${x.hosts}); the dry run said ` +
    `${x.estimate.toFixed(1)} s`;
  return {
    ok: fits && close && led,
    lines: [
      `split-pace: a ${Math.round(size / 1000)} KB log by path over two hosts' copies, one ${SLOWER}× slower`,
      line("the slow copy's speed measured", paced),
      line('not measured (every copy counted alike)', even),
      line(`the slow host the route's own (${slowFirst.led ? 'the job led to the fast one' : 'not led'})`, slowFirst),
      `split-pace: measured against counted alike ${ratio.toFixed(2)}× (goal ≤ ${RATIO_GOAL}×) ${fits ? 'OK' : 'MISSED'}`,
      `split-pace: the estimate ${off >= 0 ? '+' : ''}${Math.round(off * 100)}% of the real time (goal within ` +
        `${ESTIMATE_GOAL * 100}%) ${close ? 'OK' : 'MISSED'}`,
      `split-pace: the slow host the route's own against the fast one ${lead.toFixed(2)}× (goal ≤ ${LEAD_GOAL}×) ` +
        `${led ? 'OK' : 'MISSED'}`,
    ],
  };
}
