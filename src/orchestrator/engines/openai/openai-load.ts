/**
 * What an OpenAI-compatible engine publishes of its own load, at its server root (beside /v1):
 * vLLM's and SGLang's /metrics, a single llama-server's /metrics (with --metrics) and /slots, and
 * llama-swap's /running with, for each model it runs, its llama-server's own figures through
 * /upstream/<model>/metrics or /slots. An engine with none of them (LM Studio, a hosted API)
 * answers 404 or something else, and is left alone a minute at a time (load-reader.ts).
 */
import type { EngineLoad } from '../engine.js';
import { combineLoads, readPrometheusLoad, readRunningModels, readSlotsLoad, withSlots } from '../load-figures.js';
import type { Ask } from '../load-reader.js';

/** Models of a llama-swap whose own figures are read, at most. */
const MAX_UPSTREAMS = 4;
/** A model id that goes into a path as it is (llama-swap's ids are config keys). */
const PLAIN_ID = /^[\w.:@+-]{1,200}$/;

/** One reading; undefined when the engine publishes nothing readable. */
export async function openaiLoad(ask: Ask): Promise<EngineLoad | undefined> {
  const [metrics, slots] = await Promise.all([ask('/metrics', readPrometheusLoad), ask('/slots', readSlotsLoad)]);
  const own = withSlots(metrics, slots);
  if (own) return own;
  const ready = await ask('/running', readRunningModels);
  return ready ? swapLoad(ask, ready) : undefined;
}

/**
 * llama-swap: the models it runs, each with its llama-server's figures where that server has them
 * (asked only of models running now: /upstream starts a model that is not).
 */
async function swapLoad(ask: Ask, ready: readonly string[]): Promise<EngineLoad> {
  const parts = new Map<string, EngineLoad>();
  await Promise.all(
    ready
      .filter((id) => PLAIN_ID.test(id))
      .slice(0, MAX_UPSTREAMS)
      .map(async (id) => {
        const base = `/upstream/${id}`;
        const [metrics, slots] = await Promise.all([
          ask(`${base}/metrics`, readPrometheusLoad),
          ask(`${base}/slots`, readSlotsLoad),
        ]);
        const own = withSlots(metrics, slots);
        if (own) parts.set(id, own);
      }),
  );
  return parts.size > 0 ? combineLoads(parts, ready) : { running: 0, waiting: 0, ready };
}
