/**
 * The load-figure readers at their edges (load-figures.ts): each bound at the figure just inside
 * and just past it, the Prometheus sample syntax engines and exporters print (timestamps, CRLF,
 * runs of spaces, escaped label values, label sets of several engines and models), JSON that is
 * not what llama-server or llama-swap answer, and the per-model sums a fleet of engines reads as one.
 */
import { describe, expect, it } from 'vitest';
import {
  combineLoads,
  readPrometheusLoad,
  readRunningModels,
  readSlotsLoad,
  MAX_REQUESTS,
} from '../../src/orchestrator/engines/load-figures.js';
import { llamaServerSlots, llamaSwapRunning, vllmMetrics } from '../fake-openai/load.js';

const vllm = (running: string, waiting = 'vllm:num_requests_waiting{engine="0",model_name="m"} 0.0') =>
  `${running}\n${waiting}\n`;

describe('Prometheus sample syntax', () => {
  it(
    'a sample with a timestamp, after one space or several, is read; one with more fields after ' +
      'it is not a sample',
    () => {
      expect(
        readPrometheusLoad(vllm('vllm:num_requests_running{engine="0",model_name="m"} 2.0 1760000000000')),
      ).toMatchObject({ running: 2 });
      expect(
        readPrometheusLoad(vllm('vllm:num_requests_running{engine="0",model_name="m"} 2.0  1760000000000')),
      ).toMatchObject({ running: 2 });
      expect(readPrometheusLoad(vllm('vllm:num_requests_running{engine="0",model_name="m"}  \t2.0'))).toMatchObject({
        running: 2,
      });
      expect(
        readPrometheusLoad(vllm('vllm:num_requests_running{engine="0",model_name="m"} 2.0 1760000000000 extra')),
      ).toBeUndefined();
    },
  );

  it('CRLF line ends and indented lines are read as the same samples', () => {
    const crlf = vllmMetrics({ running: 3, waiting: 1, kvCache: 0.25, model: 'm' }).replaceAll('\n', '\r\n');
    expect(readPrometheusLoad(crlf)).toMatchObject({ running: 3, waiting: 1, kvCache: 0.25 });
    expect(readPrometheusLoad('  llamacpp:requests_processing 1\n\tllamacpp:requests_deferred 4\n')).toEqual({
      running: 1,
      waiting: 4,
    });
  });

  it('a name that only ends in a gauge’s name is another metric, not that gauge', () => {
    const text =
      vllm('vllm:num_requests_running{engine="0",model_name="m"} 1.0') +
      'proxy-vllm:num_requests_running 50\nx/vllm:num_requests_running 50\n';
    expect(readPrometheusLoad(text)).toMatchObject({ running: 1 });
  });

  it('model_name with spaces around it and escaped quotes; a label that only ends in model_name is no model', () => {
    const l = readPrometheusLoad(
      'vllm:num_requests_running{engine="0", model_name = "a\\"b\\\\c"} ' +
        '2.0\nvllm:num_requests_waiting{model_name= "a\\"b\\\\c"} 1.0\n',
    )!;
    expect([...l.models!]).toEqual([['a"b\\c', { running: 2, waiting: 1 }]]);
    const other = readPrometheusLoad(
      'vllm:num_requests_running{served_model_name="x"} ' +
        '2.0\nvllm:num_requests_waiting{model_name_alias="y",model_name="m"} 1.0\n',
    )!;
    expect(other).toMatchObject({ running: 2, waiting: 1 });
    expect([...other.models!]).toEqual([['m', { running: 0, waiting: 1 }]]);
  });
});

describe('counts and their bounds', () => {
  it('a count of exactly MAX_REQUESTS is read; one that only rounds down to it is absurd', () => {
    expect(readPrometheusLoad(`llamacpp:requests_processing ${MAX_REQUESTS}\nllamacpp:requests_deferred 0\n`)).toEqual({
      running: MAX_REQUESTS,
      waiting: 0,
    });
    expect(
      readPrometheusLoad(`llamacpp:requests_processing ${MAX_REQUESTS + 0.4}\nllamacpp:requests_deferred 0\n`),
    ).toBeUndefined();
    expect(readPrometheusLoad('llamacpp:requests_processing 1e300\nllamacpp:requests_deferred 0\n')).toBeUndefined();
    expect(readPrometheusLoad('llamacpp:requests_processing 2.6\nllamacpp:requests_deferred 3e0\n')).toEqual({
      running: 3,
      waiting: 3,
    });
  });

  it('label sets summing to MAX_REQUESTS are read; past it, though each one is sane, nothing', () => {
    const half = MAX_REQUESTS / 2;
    const sum = (a: number, b: number) =>
      `vllm:num_requests_running{engine="0"} ${a}\nvllm:num_requests_running{engine="1"} ` +
      `${b}\nvllm:num_requests_waiting 0\n`;
    expect(readPrometheusLoad(sum(half, half))).toMatchObject({ running: MAX_REQUESTS });
    expect(readPrometheusLoad(sum(half, half + 1))).toBeUndefined();
  });

  it('4096 samples of the gauges read are read; 4097 are not; any number of other samples is no matter', () => {
    const running = (n: number) =>
      Array.from({ length: n }, (_, i) => `vllm:num_requests_running{engine="${i}"} 0`).join('\n');
    expect(readPrometheusLoad(`${running(4095)}\nvllm:num_requests_waiting 1\n`)).toEqual({ running: 0, waiting: 1 });
    expect(readPrometheusLoad(`${running(4096)}\nvllm:num_requests_waiting 1\n`)).toBeUndefined();
    const buckets = Array.from(
      { length: 5000 },
      (_, i) => `vllm:time_to_first_token_seconds_bucket{engine="0",le="${i}"} 0.0`,
    ).join('\n');
    expect(readPrometheusLoad(`${buckets}\n${vllmMetrics({ running: 2, waiting: 1, model: 'm' })}`)).toMatchObject({
      running: 2,
      waiting: 1,
    });
  });
});

describe('the KV cache and the models', () => {
  it('the fullest engine’s KV fraction; an empty cache is 0; one engine’s bad figure leaves it out', () => {
    const kv = (...v: string[]) =>
      'vllm:num_requests_running 1\nvllm:num_requests_waiting 0\n' +
      v.map((x, i) => `vllm:kv_cache_usage_perc{engine="${i}"} ${x}\n`).join('');
    expect(readPrometheusLoad(kv('0.2', '0.7', '0.5'))!.kvCache).toBe(0.7);
    expect(readPrometheusLoad(kv('0.0'))!.kvCache).toBe(0);
    for (const bad of [['0.3', 'NaN'], ['+Inf'], ['1e999'], ['0.3', '-0.1']]) {
      // 1e999: Number() makes it Infinity
      const l = readPrometheusLoad(kv(...bad))!;
      expect(l, bad.join()).toStrictEqual({ running: 1, waiting: 0 }); // no kvCache key at all
    }
  });

  it('a model only running and one only waiting are both listed, each with 0 for what it lacks', () => {
    const l = readPrometheusLoad(
      'sglang:num_running_reqs{model_name="a"} 2.0\nsglang:num_queue_reqs{model_name="b"} ' +
        '3.0\nsglang:token_usage{model_name="a"} 0.1\n',
    )!;
    expect(l).toMatchObject({ running: 2, waiting: 3, kvCache: 0.1 });
    expect(new Map(l.models)).toEqual(
      new Map([
        ['a', { running: 2, waiting: 0 }],
        ['b', { running: 0, waiting: 3 }],
      ]),
    );
  });
});

describe('/slots and /running: JSON that is not theirs', () => {
  it('/slots: up to 4096 slots; past it, or an entry that is not a slot, nothing (never a throw)', () => {
    expect(readSlotsLoad(llamaServerSlots(4096, 3))).toEqual({ running: 3, waiting: 0, slots: 4096 });
    expect(readSlotsLoad(llamaServerSlots(4097, 3))).toBeUndefined();
    for (const bad of [
      '[null]',
      '[1]',
      '["is_processing"]',
      '[[true]]',
      '[{"id":0,"is_processing":false},null]',
      'null',
    ])
      expect(readSlotsLoad(bad), bad).toBeUndefined();
  });

  it('/running: up to 4096 models; past it, null, an empty or 513-character name: nothing (never a throw)', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
    expect(readRunningModels(llamaSwapRunning(names(4096)))).toHaveLength(4096);
    expect(readRunningModels(llamaSwapRunning(names(4097)))).toBeUndefined();
    expect(readRunningModels(llamaSwapRunning(['x'.repeat(512)]))).toEqual(['x'.repeat(512)]);
    for (const bad of [
      'null',
      '"running"',
      '{"running":[null]}',
      '{"running":[1]}',
      '{"running":[{"model":"","state":"ready"}]}',
      llamaSwapRunning(['x'.repeat(513)]),
    ])
      expect(readRunningModels(bad), bad.slice(0, 60)).toBeUndefined();
  });

  it('/running: an entry without a state (older llama-swap) is running; one in another state is not', () => {
    expect(readRunningModels('{"running":[{"model":"qwen"},{"model":"llama","state":"stopping"}]}')).toEqual(['qwen']);
  });
});

describe('per-model readings as one', () => {
  it('sums running and waiting; keeps each model’s own figures and its slot count where it has one', () => {
    const parts = new Map([
      ['a', { running: 2, waiting: 1, slots: 4, kvCache: 0.5 }],
      ['b', { running: 3, waiting: 5 }],
    ]);
    const l = combineLoads(parts);
    expect(Object.keys(l.models!.get('b')!)).toEqual(['running', 'waiting']); // no slots key where it has none
    expect(l).toStrictEqual({
      running: 5,
      waiting: 6,
      models: new Map([
        ['a', { running: 2, waiting: 1, slots: 4 }],
        ['b', { running: 3, waiting: 5 }],
      ]),
    });
  });

  it('the models ready, where llama-swap listed them; none at all is an empty reading', () => {
    expect(combineLoads(new Map([['a', { running: 1, waiting: 0 }]]), ['a', 'c'])).toStrictEqual({
      running: 1,
      waiting: 0,
      models: new Map([['a', { running: 1, waiting: 0 }]]),
      ready: ['a', 'c'],
    });
    expect(combineLoads(new Map())).toStrictEqual({ running: 0, waiting: 0, models: new Map() });
  });
});
