/**
 * The load figures engines publish, as they print them — for the fakes (fake-openai, fake-llamacpp)
 * and the unit tests. vLLM v0.10+ (`/metrics`: vllm/v1/metrics/loggers.py, labels engine and
 * model_name, Python prometheus_client's float format), SGLang (`/metrics`:
 * python/sglang/srt/metrics/collector.py, docs/references/production_metrics.md), llama-server
 * with --metrics (`/metrics`, captured from the real one: tools/server, build b1-de3ff81) and its
 * `/slots` (idle and busy slots as the real one lists them), llama-swap's `/running`
 * (proxy/proxymanager.go listRunningProcessesHandler).
 */

export interface LoadFigures {
  running: number;
  waiting: number;
  kvCache?: number;
}

const f = (n: number) => (Number.isInteger(n) ? `${n}.0` : String(n));

export function vllmMetrics(l: LoadFigures & { model: string }): string {
  const labels = `engine="0",model_name="${l.model}"`;
  return [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{${labels}} ${f(l.running)}`,
    '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting{${labels}} ${f(l.waiting)}`,
    '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc{${labels}} ${l.kvCache ?? 0}`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{${labels}} 1234.0`,
    `vllm:prompt_tokens_created{${labels}} 1.7600000000e+09`,
    '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    `vllm:time_to_first_token_seconds_bucket{${labels},le="0.001"} 0.0`,
    `vllm:time_to_first_token_seconds_bucket{${labels},le="+Inf"} 12.0`,
    `vllm:time_to_first_token_seconds_count{${labels}} 12.0`,
    `vllm:time_to_first_token_seconds_sum{${labels}} 0.3`,
    '',
  ].join('\n');
}

export function sglangMetrics(l: LoadFigures & { model: string }): string {
  const labels = `model_name="${l.model}"`;
  return [
    '# HELP sglang:num_running_reqs The number of running requests.',
    '# TYPE sglang:num_running_reqs gauge',
    `sglang:num_running_reqs{${labels}} ${f(l.running)}`,
    '# HELP sglang:num_queue_reqs The number of requests in the waiting queue.',
    '# TYPE sglang:num_queue_reqs gauge',
    `sglang:num_queue_reqs{${labels}} ${f(l.waiting)}`,
    '# HELP sglang:token_usage The token usage.',
    '# TYPE sglang:token_usage gauge',
    `sglang:token_usage{${labels}} ${l.kvCache ?? 0}`,
    '# HELP sglang:gen_throughput The generation throughput (token/s).',
    '# TYPE sglang:gen_throughput gauge',
    `sglang:gen_throughput{${labels}} 42.5`,
    '',
  ].join('\n');
}

/** llama-server's /metrics, every family it prints, in its order (server-context.cpp). */
export function llamaServerMetrics(l: LoadFigures): string {
  const families: Array<[string, string, 'counter' | 'gauge', number]> = [
    ['prompt_tokens_total', 'Number of prompt tokens processed, excluding cached tokens', 'counter', 7],
    ['prompt_tokens_cached_total', 'Number of prompt tokens reused from the cache', 'counter', 0],
    ['prompt_seconds_total', 'Total time spent processing prompts', 'counter', 0.007241],
    ['tokens_predicted_total', 'Number of generation tokens processed', 'counter', 0],
    ['tokens_predicted_seconds_total', 'Total time spent generating tokens', 'counter', 0],
    [
      'n_decode_total',
      'Total number of llama_decode() calls, excluding speculative decoding and multimodal decoding',
      'counter',
      87,
    ],
    ['n_tokens_max', 'Largest observed sequence length (prompt + generation)', 'counter', 89],
    ['prompt_tokens_seconds', 'Average prompt throughput in tokens/s', 'gauge', 966.717],
    ['predicted_tokens_seconds', 'Average generation throughput in tokens/s', 'gauge', 0],
    ['requests_processing', 'Number of requests processing', 'gauge', l.running],
    ['requests_deferred', 'Number of requests deferred', 'gauge', l.waiting],
    ['n_busy_slots_per_decode', 'Average number of busy slots per llama_decode() call', 'gauge', 1.98851],
  ];
  return families
    .map(
      ([name, help, type, v]) =>
        `# HELP llamacpp:${name} ${help}\n# TYPE llamacpp:${name} ${type}\nllamacpp:${name} ${v}\n`,
    )
    .join('');
}

/** llama-server's /slots: `busy` of `slots` slots answering (as the real one lists an idle and a busy slot). */
export function llamaServerSlots(slots: number, busy: number, nCtx = 256): string {
  const entry = (id: number) =>
    id < busy
      ? {
          id,
          n_ctx: nCtx,
          speculative: false,
          is_processing: true,
          id_task: 5 + id,
          n_prompt_tokens: 56,
          n_prompt_tokens_processed: 4,
          n_prompt_tokens_cache: 0,
          params: {
            seed: 4294967295,
            temperature: 0.800000011920929,
            top_k: 40,
            max_tokens: 4000,
            n_predict: 4000,
            stream: true,
            samplers: ['penalties', 'top_k', 'top_p', 'temperature'],
            lora: [],
          },
          next_token: [{ has_next_token: true, has_new_line: false, n_remain: 3947, n_decoded: 53 }],
        }
      : { id, n_ctx: nCtx, speculative: false, is_processing: false };
  return JSON.stringify(Array.from({ length: slots }, (_, i) => entry(i)));
}

/** llama-swap's /running: the models it runs, ready. */
export function llamaSwapRunning(models: readonly string[]): string {
  return JSON.stringify({
    running: models.map((m) => ({
      model: m,
      state: 'ready',
      cmd: `llama-server --port \${PORT} -m /models/${m}.gguf`,
      proxy: 'http://127.0.0.1:${PORT}',
      ttl: 0,
      name: '',
      description: '',
    })),
  });
}
