/**
 * An engine's own load figures (issue 57): the Prometheus and JSON readings of vLLM, SGLang,
 * llama-server and llama-swap (samples as they print them), refusing anything else; the reader's
 * once-a-second cache, shared reads and back-off from endpoints that are not there; and the pure
 * count of other clients' requests the route weighs.
 */
import { describe, expect, it } from 'vitest';
import {
  readPrometheusLoad,
  readRunningModels,
  readSlotsLoad,
  withSlots,
  MAX_REQUESTS,
} from '../../src/orchestrator/engines/load-figures.js';
import { LOAD_BODY_BYTES, LoadReader, MISSING_FOR_MS, type Ask } from '../../src/orchestrator/engines/load-reader.js';
import { othersAsRequests, othersOn, slotsFull } from '../../src/orchestrator/fleet/others-load.js';
import { llamaServerMetrics, sglangMetrics, vllmMetrics, llamaServerSlots } from '../fake-openai/load.js';

describe('reading /metrics', () => {
  it('vLLM: running, waiting and the KV cache, summed over its engines, per model', () => {
    const text =
      vllmMetrics({ running: 3, waiting: 2, kvCache: 0.42, model: 'Qwen/Qwen3-0.6B' }) +
      'vllm:num_requests_running{engine="1",model_name="Qwen/Qwen3-0.6B"} 1.0\n';
    const l = readPrometheusLoad(text)!;
    expect(l).toMatchObject({ running: 4, waiting: 2, kvCache: 0.42 });
    expect([...l.models!]).toEqual([['Qwen/Qwen3-0.6B', { running: 4, waiting: 2 }]]);
  });

  it('vLLM before v0.10 (gpu_cache_usage_perc), and the names re-published with _', () => {
    const old =
      'vllm:num_requests_running{model_name="m"} 1.0\nvllm:num_requests_waiting{model_name="m"} ' +
      '0.0\nvllm:gpu_cache_usage_perc{model_name="m"} 0.5\n';
    expect(readPrometheusLoad(old)).toMatchObject({ running: 1, waiting: 0, kvCache: 0.5 });
    expect(readPrometheusLoad('vllm_num_requests_running 2\nvllm_num_requests_waiting 5\n')).toMatchObject({
      running: 2,
      waiting: 5,
    });
  });

  it('SGLang and llama-server (as it prints them with --metrics)', () => {
    expect(
      readPrometheusLoad(
        sglangMetrics({ running: 5, waiting: 7, kvCache: 0.28, model: 'meta-llama/Llama-3.1-8B-Instruct' }),
      ),
    ).toMatchObject({ running: 5, waiting: 7, kvCache: 0.28 });
    const l = readPrometheusLoad(llamaServerMetrics({ running: 2, waiting: 1 }))!;
    expect(l).toEqual({ running: 2, waiting: 1 });
  });

  it('a KV fraction past 1 is taken as full; a bad one is left out, the counts kept', () => {
    expect(readPrometheusLoad(vllmMetrics({ running: 1, waiting: 0, kvCache: 1.7, model: 'm' }))!.kvCache).toBe(1);
    expect(readPrometheusLoad(vllmMetrics({ running: 1, waiting: 0, kvCache: -1, model: 'm' }))).toMatchObject({
      running: 1,
      waiting: 0,
    });
    expect(
      readPrometheusLoad(vllmMetrics({ running: 1, waiting: 0, kvCache: -1, model: 'm' }))!.kvCache,
    ).toBeUndefined();
  });

  it('garbage, NaN, negatives, absurd counts, a missing gauge: nothing', () => {
    for (const bad of [
      '',
      'hello world',
      '<html><body>404</body></html>',
      '{"error":"Unexpected endpoint or method. (GET /metrics)"}',
      'vllm:num_requests_running 1\n', // no waiting gauge
      'vllm:num_requests_running NaN\nvllm:num_requests_waiting 0\n',
      'vllm:num_requests_running 1\nvllm:num_requests_waiting -3\n',
      'vllm:num_requests_running +Inf\nvllm:num_requests_waiting 0\n',
      `llamacpp:requests_processing ${MAX_REQUESTS + 1}\nllamacpp:requests_deferred 0\n`,
      'llamacpp:requests_processing \nllamacpp:requests_deferred 0\n',
      'litellm_requests_total 5\n', // another engine's figures
    ])
      expect(readPrometheusLoad(bad), bad).toBeUndefined();
  });

  it('too many label sets of one gauge: nothing', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `vllm:num_requests_running{engine="${i}"} 0`).join('\n');
    expect(readPrometheusLoad(`${lines}\nvllm:num_requests_waiting 0\n`)).toBeUndefined();
  });
});

describe('reading /slots and /running', () => {
  it('llama-server /slots: the slots answering now, and how many there are', () => {
    expect(readSlotsLoad(llamaServerSlots(2, 1))).toEqual({ running: 1, waiting: 0, slots: 2 });
    for (const bad of [
      '[]',
      '{}',
      '[{"id":0}]',
      '[{"id":0,"is_processing":"yes"}]',
      'not json',
      '{"error":{"code":501}}',
    ])
      expect(readSlotsLoad(bad), bad).toBeUndefined();
  });

  it('a /metrics reading takes the slot count from /slots; either alone is itself', () => {
    const m = { running: 2, waiting: 1 };
    expect(withSlots(m, { running: 2, waiting: 0, slots: 4 })).toEqual({ running: 2, waiting: 1, slots: 4 });
    expect(withSlots(undefined, { running: 1, waiting: 0, slots: 2 })).toEqual({ running: 1, waiting: 0, slots: 2 });
    expect(withSlots(m, undefined)).toBe(m);
  });

  it('llama-swap /running: the models ready', () => {
    expect(
      readRunningModels('{"running":[{"model":"qwen","state":"ready"},{"model":"llama","state":"starting"}]}'),
    ).toEqual(['qwen']);
    expect(readRunningModels('{"running":[]}')).toEqual([]);
    for (const bad of ['[]', '{"running":"qwen"}', '{"running":[{"state":"ready"}]}', 'OK'])
      expect(readRunningModels(bad), bad).toBeUndefined();
  });
});

/** A fake engine root: each path answers a status and a body; counts the requests. */
function engine(routes: Record<string, { status: number; body: string }>) {
  const asked: string[] = [];
  const get = async (path: string) => {
    asked.push(path);
    const r = routes[path.split('?')[0]!] ?? { status: 404, body: 'not found' };
    return new Response(r.body, { status: r.status });
  };
  return { asked, get };
}

const metricsOnly = (ask: Ask) => ask('/metrics', readPrometheusLoad);

describe('the reader', () => {
  it('asks at most once a second; a later call asks again', async () => {
    let now = 1_000;
    const e = engine({ '/metrics': { status: 200, body: llamaServerMetrics({ running: 1, waiting: 0 }) } });
    const r = new LoadReader({ get: e.get, collect: metricsOnly, now: () => now });
    expect(await r.reading()).toEqual({ running: 1, waiting: 0 });
    now += 999;
    expect(await r.reading()).toEqual({ running: 1, waiting: 0 });
    expect(e.asked).toEqual(['/metrics']);
    now += 1;
    await r.reading();
    expect(e.asked).toEqual(['/metrics', '/metrics']);
  });

  it('callers at once share one read', async () => {
    const e = engine({ '/metrics': { status: 200, body: llamaServerMetrics({ running: 3, waiting: 2 }) } });
    const r = new LoadReader({ get: e.get, collect: metricsOnly });
    const got = await Promise.all([r.reading(), r.reading(), r.reading()]);
    expect(got).toEqual([
      { running: 3, waiting: 2 },
      { running: 3, waiting: 2 },
      { running: 3, waiting: 2 },
    ]);
    expect(e.asked).toHaveLength(1);
  });

  it('an endpoint answering 404 or 501 is left alone for a minute, then asked again', async () => {
    for (const status of [404, 501]) {
      let now = 0;
      const e = engine({
        '/metrics': {
          status,
          body: '{"error":{"code":501,"message":"This server does not support metrics endpoint."}}',
        },
      });
      const r = new LoadReader({ get: e.get, collect: metricsOnly, now: () => now });
      expect(await r.reading()).toBeUndefined();
      expect(r.missingNow('/metrics')).toBe(true);
      now += 5_000;
      expect(await r.reading()).toBeUndefined();
      expect(e.asked).toHaveLength(1);
      now += MISSING_FOR_MS;
      await r.reading();
      expect(e.asked).toHaveLength(2);
    }
  });

  it('a 503 (busy) is asked again at the next second, not left alone', async () => {
    let now = 0;
    const e = engine({ '/metrics': { status: 503, body: 'busy' } });
    const r = new LoadReader({ get: e.get, collect: metricsOnly, now: () => now });
    expect(await r.reading()).toBeUndefined();
    now += 1000;
    await r.reading();
    expect(e.asked).toHaveLength(2);
  });

  it('an answer past 256 KiB, or one that throws, is nothing — never a throw', async () => {
    const big =
      `${'# HELP filler\n'.repeat(LOAD_BODY_BYTES / 14 + 10)}llamacpp:requests_processing ` +
      `1\nllamacpp:requests_deferred 0\n`;
    const e = engine({ '/metrics': { status: 200, body: big } });
    expect(await new LoadReader({ get: e.get, collect: metricsOnly }).reading()).toBeUndefined();
    const failing = new LoadReader({ get: () => Promise.reject(new Error('ECONNREFUSED')), collect: metricsOnly });
    expect(await failing.reading()).toBeUndefined();
    const throwing = new LoadReader({ get: e.get, collect: () => Promise.reject(new Error('boom')) });
    expect(await throwing.reading()).toBeUndefined();
  });

  it('a slow engine: the caller waits waitMs, then takes the last reading while the read goes on', async () => {
    let now = 0;
    let slow = false;
    const get = async (_path: string) => {
      if (slow) await new Promise((r) => setTimeout(r, 200));
      return new Response(llamaServerMetrics({ running: slow ? 9 : 1, waiting: 0 }), { status: 200 });
    };
    const r = new LoadReader({ get, collect: metricsOnly, now: () => now });
    expect(await r.reading()).toEqual({ running: 1, waiting: 0 });
    slow = true;
    now += 1000;
    expect(await r.reading({ waitMs: 10 })).toEqual({ running: 1, waiting: 0 }); // the last one, recent
    await new Promise((res) => setTimeout(res, 250));
    expect(await r.reading({ waitMs: 10 })).toEqual({ running: 9, waiting: 0 }); // the read that went on
  });
});

describe('other clients’ requests', () => {
  it('the engine’s count beyond ours; per model where it says so', () => {
    expect(othersOn({ running: 3, waiting: 2 }, 'm', { onModel: 1, onHost: 1 })).toEqual({ running: 2, waiting: 2 });
    // only ours
    expect(othersOn({ running: 1, waiting: 0 }, 'm', { onModel: 1, onHost: 1 })).toEqual({ running: 0, waiting: 0 });
    // a stale reading under ours
    expect(othersOn({ running: 0, waiting: 0 }, 'm', { onModel: 2, onHost: 2 })).toEqual({ running: 0, waiting: 0 });
    const perModel = { running: 4, waiting: 0, models: new Map([['a', { running: 4, waiting: 0, slots: 4 }]]) };
    expect(othersOn(perModel, 'a', { onModel: 1, onHost: 3 })).toEqual({ running: 3, waiting: 0, slots: 4 });
    expect(othersOn(perModel, 'b', { onModel: 0, onHost: 3 })).toEqual({ running: 0, waiting: 0 });
    expect(othersOn(undefined, 'a', { onModel: 0, onHost: 0 })).toEqual({ running: 0, waiting: 0 });
  });

  it('full when ours and theirs fill the slots (the engine’s own count of them where it says), or it queues others', () => {
    expect(slotsFull(0, { running: 1, waiting: 0 }, 1)).toBe(true);
    expect(slotsFull(0, { running: 1, waiting: 0 }, 2)).toBe(false);
    expect(slotsFull(1, { running: 0, waiting: 0 }, 1)).toBe(true);
    expect(slotsFull(0, { running: 1, waiting: 0, slots: 4 }, 1)).toBe(false);
    expect(slotsFull(0, { running: 0, waiting: 1 }, 8)).toBe(true);
  });

  it('as requests to wait behind: running ones halfway, waiting ones whole, at most 256', () => {
    const r = othersAsRequests({ running: 2, waiting: 1 }, 400);
    expect(r).toEqual({
      running: [
        { elapsedMs: 0, tokens: 200 },
        { elapsedMs: 0, tokens: 200 },
      ],
      waiting: [{ elapsedMs: 0, tokens: 400 }],
    });
    const many = othersAsRequests({ running: 1e6, waiting: 1e6 }, 400);
    expect(many.running.length + many.waiting.length).toBe(256);
  });
});
