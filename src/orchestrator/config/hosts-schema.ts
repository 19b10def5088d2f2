/**
 * The settings for several backends: `hosts` (other Ollama machines, llama.cpp routers, OpenAI-compatible
 * engines, other ollm-mcp servers) and a host's capacity.
 */
import * as z from 'zod';
import { bytes, host, runnerFields } from './schema-parts.js';

const hostName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a short name: letters, digits, ".", "_" or "-"')
  .describe('What messages, tools (host) and ollm://fleet call this host.');
const priority = z
  .number()
  .int()
  .min(0)
  .max(1000)
  .optional()
  .describe('Lower is tried first (default: the order listed; ollama.host first among equals).');
const loadFigures = z
  .boolean()
  .optional()
  .describe(
    "Read the engine's own load figures (llama-server /slots and /metrics; vLLM's, SGLang's " +
      "/metrics; llama-swap /running), at most once a second, to place work with every client's " +
      'requests in view (default true; false: never asked).',
  );
export const capacity = z.strictObject({
  ram: bytes('RAM of the machine Ollama runs on.').optional(),
  vram: bytes('GPU memory of that machine, all GPUs together; 0 or left out: no GPU.').optional(),
  gpus: z.number().int().min(1).max(64).optional().describe('How many GPUs share `vram` (default 1).'),
});

export const hostsSchema = z
  .array(
    z.discriminatedUnion('kind', [
      z.strictObject({
        name: hostName,
        kind: z.literal('ollama').describe('Another Ollama (the first is ollama.host).'),
        url: host.describe('Where it listens, in any OLLAMA_HOST form, e.g. "gpu-box:11434".'),
        priority: priority,
        capacity: capacity
          .optional()
          .describe(
            "That machine's memory; left out, learned from what Ollama reports and from out-of-memory failures.",
          ),
        maxLoadedModels: z
          .number()
          .int()
          .min(1)
          .max(256)
          .optional()
          .describe('Its OLLAMA_MAX_LOADED_MODELS; default 3 per GPU, 3 without one.'),
        numParallel: z
          .number()
          .int()
          .min(1)
          .max(256)
          .optional()
          .describe('Its OLLAMA_NUM_PARALLEL (default: ollama.numParallel).'),
        contextLength: z
          .number()
          .int()
          .min(256)
          .max(2_097_152)
          .optional()
          .describe('Its OLLAMA_CONTEXT_LENGTH, if set there.'),
        kvCacheType: runnerFields.kvCacheType.describe(
          'Its OLLAMA_KV_CACHE_TYPE (default f16; not taken from ollama.kvCacheType: another server has its own).',
        ),
        flashAttention: runnerFields.flashAttention.describe('Its OLLAMA_FLASH_ATTENTION (default auto).'),
        gpuOverhead: runnerFields.gpuOverhead,
      }),
      z.strictObject({
        name: hostName,
        kind: z
          .literal('llamacpp')
          .describe(
            "llama.cpp's llama-server in router mode (--models-dir or --models-preset), managed like " +
              'Ollama: its models, loads and unloads, and its memory; a single-model llama-server is read only.',
          ),
        url: z.url({ protocol: /^https?$/ }).describe('Where it listens, without /v1, e.g. "http://127.0.0.1:8080".'),
        tokenEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
          .optional()
          .describe('The env var holding its API key (llama-server --api-key), if it has one.'),
        priority: priority,
        capacity: capacity
          .optional()
          .describe(
            "That machine's memory; left out: read here when the server runs on this machine, else " +
              'learned from failed loads.',
          ),
        modelsMax: z
          .number()
          .int()
          .min(1)
          .max(256)
          .optional()
          .describe('Its --models-max (default: what it reports in /props max_instances).'),
        modelSizes: z
          .record(z.string().min(1), bytes('The memory the model takes loaded.'))
          .optional()
          .describe(
            'Memory per model, for models whose GGUF file cannot be read from here (another machine): {name: "5GB"}.',
          ),
        loadFigures,
      }),
      z.strictObject({
        name: hostName,
        kind: z
          .literal('openai')
          .describe(
            'An OpenAI-compatible engine: vLLM, llama.cpp llama-server, LM Studio, llama-swap, SGLang, ' +
              'LiteLLM, Olla, or a hosted API.',
          ),
        url: z.url({ protocol: /^https?$/ }).describe('Its API base, e.g. "http://gpu-box:8000/v1".'),
        tokenEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
          .optional()
          .describe('The env var holding its API key (the key itself never goes in this file).'),
        model: z.string().min(1).optional().describe('The one model to use there; default: every model it lists.'),
        priority: priority,
        contextLength: z
          .number()
          .int()
          .min(256)
          .max(16_777_216)
          .optional()
          .describe("Its models' context window when the engine does not report one (default 8192)."),
        numParallel: z
          .number()
          .int()
          .min(1)
          .max(256)
          .optional()
          .describe('Requests it answers at once (default: ollama.numParallel).'),
        loadFigures,
        cluster: z
          .boolean()
          .optional()
          .describe(
            "It schedules its own replicas (llm-d's gateway, vLLM production-stack's router, a LiteLLM " +
              "proxy, SGLang's router): placed as one host by its own load figures, with no prefix " +
              "steering and no extra copy of ollm-mcp's (default false).",
          ),
      }),
      z.strictObject({
        name: hostName,
        kind: z
          .literal('ollm')
          .describe(
            "Another ollm-mcp served over Streamable HTTP (`ollm-mcp --transport http`, e.g. a team's " +
              'GPU box): its models are asked for through its tools, and its memory is left to its own ' +
              'plan (loads, pins, unloads, fairness between its callers).',
          ),
        url: z.url({ protocol: /^https?$/ }).describe('Its MCP endpoint, e.g. "http://gpubox:3333/mcp".'),
        tokenEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
          .optional()
          .describe(
            'The env var holding the bearer token that server gave this machine (its http.tokens entry ' +
              'names this machine); the token itself never goes in this file.',
          ),
        priority: priority,
        numParallel: z
          .number()
          .int()
          .min(1)
          .max(256)
          .optional()
          .describe(
            'Requests sent to it at once per model (default: ollama.numParallel); that server queues ' +
              'and shares out the rest.',
          ),
      }),
    ]),
  )
  .default([])
  .refine((hosts) => new Set(['ollama', 'fallback', ...hosts.map((h) => h.name)]).size === hosts.length + 2, {
    message: 'host names must differ from each other and from "ollama" and "fallback"',
  })
  .describe(
    'More backends beside ollama.host: other Ollama machines, llama.cpp routers (managed like ' +
      'Ollama), OpenAI-compatible engines and other ollm-mcp servers (kind ollm), all members of ' +
      'one fleet, in priority order.',
  );
