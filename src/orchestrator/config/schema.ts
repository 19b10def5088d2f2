/**
 * The one settings schema. Everything that reads settings — the file, env vars, CLI flags, the
 * published JSON Schema in schemas/settings.schema.json — goes through it.
 */
import * as z from 'zod';
import { DEFAULT_OLLAMA_URL } from './host.js';
import { bytes, host, runnerFields, sizeInput } from './schema-parts.js';
import { capacity, hostsSchema } from './hosts-schema.js';
import { keepAliveProblem, parseBudget, type Budget } from './units.js';
import { agentsSchema, httpTokensSchema, optionFields, routingFields, toolsetsSchema } from './agents-schema.js';

const budget = sizeInput
  .transform((value, ctx): Budget => {
    const b = parseBudget(value);
    if (!b) {
      ctx.addIssue({ code: 'custom', message: 'expected bytes, a size like "12GB", or a share of RAM like "80%"' });
      return z.NEVER;
    }
    return b;
  })
  .describe('Memory the loaded models may use in all: bytes, a size like "12GB", or a share of total RAM like "80%".');

const keepAliveTimeout = z
  .union([z.number(), z.string()], { error: 'expected a number of seconds or a duration like "10m"' })
  .superRefine((v, ctx) => {
    const problem = keepAliveProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `expected ${problem}` });
  })
  .describe(
    'How long an idle model stays loaded: seconds, or a duration like "15m"; at most about 292 years. Negative keeps it forever.',
  );

export { TOOLSET_NAMES, type ToolsetName } from './agents-schema.js';

export const settingsSchema = z
  .strictObject({
    provider: z.enum(['ollama']).default('ollama').describe('The model provider. Only "ollama" today.'),
    ollama: z
      .strictObject({
        host: host.default(DEFAULT_OLLAMA_URL),
        timeoutMs: z
          .number()
          .int()
          .min(100)
          .max(600_000)
          .default(10_000)
          .describe('Time limit for quick Ollama calls (list, show, ps), in milliseconds.'),
        stallTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(3_600_000)
          .default(60_000)
          .describe(
            'Once a generation has sent its first token, a gap of this long without another stops it and the next model is tried (ms). Loading and waiting for the first token have their own limits.',
          ),
        firstTokenTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(3_600_000)
          .default(600_000)
          .describe(
            'How long a generation may take to send its first token — Ollama reading a long prompt — before it is stopped and the next model is tried (ms). Time spent queued behind other requests of this server on the same model does not count.',
          ),
        loadTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(3_600_000)
          .default(120_000)
          .describe(
            'The time limit for loading a model is this (ms) plus loadTimeoutMsPerGB for each GB of the model.',
          ),
        loadTimeoutMsPerGB: z
          .number()
          .int()
          .min(0)
          .max(3_600_000)
          .default(30_000)
          .describe(
            'Added to loadTimeoutMs for each GB of the model being loaded (ms), so big models on slow disks get the time they need.',
          ),
        pullStallTimeoutMs: z
          .number()
          .int()
          .min(1000)
          .max(3_600_000)
          .default(60_000)
          .describe('A pull that receives no bytes for this long is stopped; pulling again resumes it (ms).'),
        capacity: capacity
          .optional()
          .describe(
            'The memory of the machine Ollama runs on, when that is not this one. Left out for a remote host, it is learned from what Ollama reports and from out-of-memory failures.',
          ),
        maxLoadedModels: z
          .number()
          .int()
          .min(1)
          .max(256)
          .optional()
          .describe("The server's OLLAMA_MAX_LOADED_MODELS; default as Ollama's: 3 per GPU, 3 without one."),
        numParallel: z
          .number()
          .int()
          .min(1)
          .max(256)
          .default(1)
          .describe("The server's OLLAMA_NUM_PARALLEL: each loaded model holds a KV cache per slot."),
        contextLength: z
          .number()
          .int()
          .min(256)
          .max(2_097_152)
          .optional()
          .describe("The server's OLLAMA_CONTEXT_LENGTH, if set there; otherwise Ollama's default by VRAM."),
        ...runnerFields,
      })
      .prefault({}),
    model: z
      .strictObject({
        default: z.string().min(1).optional().describe('The model used when a task names none.'),
        keepAlive: z
          .strictObject({
            enabled: z
              .boolean()
              .default(true)
              .describe('Keep the models listed in `models` loaded while the server runs.'),
            models: z
              .array(z.string().min(1))
              .default([])
              .describe('Pinned models: kept loaded, never evicted unless asked.'),
            timeout: keepAliveTimeout.default(300),
            extraCopyIdleSeconds: z
              .number()
              .int()
              .min(0)
              .default(180)
              .describe(
                'A second copy of a model loaded on another host for a rush is unloaded after this many seconds without a request (0: left to the engine).',
              ),
          })
          .prefault({}),
        routing: z
          .strictObject({
            enabled: routingFields.enabled.default(true),
            defaultProfile: routingFields.defaultProfile.default('general'),
            overrides: routingFields.overrides.default({}),
            madeFor: routingFields.madeFor.default({}),
            allowCloud: routingFields.allowCloud.default(false),
            learning: routingFields.learning.default(true),
            maxColdLoadMs: routingFields.maxColdLoadMs.optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    options: z
      .strictObject({
        // none of these is sent unless set: a model's own settings outrank ollm-mcp's defaults
        temperature: optionFields.temperature.optional(),
        maxTokens: optionFields.maxTokens.optional(),
        topP: optionFields.topP.optional(),
        contextSize: optionFields.contextSize.optional(),
      })
      .prefault({}),
    ram: z
      .strictObject({
        budget: budget.default({ kind: 'percent', percent: 80 }),
        safetyMargin: z
          .number()
          .min(0)
          .max(1)
          .default(0.2)
          .describe('Extra share of a model size reserved for KV cache and buffers while it runs (0.2 = 20%).'),
        bufferBytes: bytes('RAM always left free for the operating system.').default(2e9),
        smallModelBytes: bytes(
          'Of idle models equally costly to lose, those below this size are unloaded last.',
        ).default(5e9),
      })
      .prefault({}),
    memory: z
      .strictObject({
        file: z
          .string()
          .min(1)
          .optional()
          .describe(
            'A memory file of an earlier version, imported once into $OLLM_HOME/state.db; default $OLLM_HOME/memory.json.',
          ),
        promptBudgetTokens: z
          .number()
          .int()
          .min(0)
          .max(100_000)
          .default(500)
          .describe('Tokens of remembered facts a generation may carry in its system prompt (0 = none).'),
        maxEntries: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(10_000)
          .describe('How many entries the memory may hold.'),
        maxValueChars: z
          .number()
          .int()
          .min(16)
          .max(100_000)
          .default(4000)
          .describe('The longest value one entry may have, in characters.'),
      })
      .prefault({}),
    fallback: z
      .strictObject({
        baseURL: z
          .url({ protocol: /^https?$/ })
          .describe('An OpenAI-compatible API, e.g. "https://api.openai.com/v1".'),
        model: z.string().min(1),
        apiKeyEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
          .optional()
          .describe('The env var holding the API key (the key itself never goes in this file).'),
        sendInputs: z
          .boolean()
          .default(false)
          .describe(
            'Whether files, diffs and images read by path may be sent to it; off: a call with such inputs stops before the fallback.',
          ),
      })
      .optional()
      .describe(
        'The last member of the fleet: an OpenAI-compatible chat API asked when every local engine failed, whatever the failure.',
      ),
    hosts: hostsSchema,
    progress: z
      .strictObject({
        intervalMs: z
          .number()
          .int()
          .min(100)
          .max(60_000)
          .default(2000)
          .describe(
            'A long tool (route_and_generate, compare, smart_load, pull_model, render_template with generate) sends a progress notification at least this often (ms), naming what it waits for, when the client asked for progress.',
          ),
      })
      .prefault({}),
    http: z
      .strictObject({
        resumeGraceSeconds: z
          .number()
          .min(0)
          .max(3600)
          .default(30)
          .describe(
            'Over HTTP, a 2025-era call whose response stream dropped goes on for this long (seconds) waiting for the client to resume it (GET with Last-Event-ID); not resumed by then, it is cancelled and its engine request stopped — after at most 3 s when another call waits meanwhile. 0 cancels at once.',
          ),
        tokens: httpTokensSchema,
      })
      .prefault({}),
    inputs: z
      .strictObject({
        roots: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Folders besides the project folder (and the client\'s MCP roots) from which tools may read files, images and diffs given by path. "~" is the home folder.',
          ),
        allow: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Glob patterns of files that are read even though they look like secrets (.env*, private keys, credential files, .git/ internals are refused by default), e.g. [".env.example"].',
          ),
        maxFileBytes: z
          .number()
          .int()
          .min(1024)
          .max(1e9)
          .default(2_000_000)
          .describe('The largest text file read by path (bytes).'),
        maxImageBytes: z
          .number()
          .int()
          .min(1024)
          .max(1e9)
          .default(20_000_000)
          .describe('The largest image read by path (bytes).'),
        maxTotalBytes: z
          .number()
          .int()
          .min(1024)
          .max(1e10)
          .default(8_000_000)
          .describe('The most bytes one call may read from files, images and diffs together.'),
        maxFiles: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(500)
          .describe('The most files one call may read (a glob matching more is refused).'),
        maxParts: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(256)
          .describe(
            'An input longer than the window it can run in is split into parts; more parts than this is refused (a dry run says how many it would take).',
          ),
      })
      .prefault({}),
    savings: z
      .strictObject({
        inputPerMillion: z
          .number()
          .min(0)
          .max(10_000)
          .default(3)
          .describe("The calling assistant's price per million input tokens (default: $3, a mid-range hosted model)."),
        outputPerMillion: z
          .number()
          .min(0)
          .max(10_000)
          .default(15)
          .describe("The calling assistant's price per million output tokens (default: $15)."),
        currency: z.string().min(1).max(8).default('$').describe('The symbol shown before money amounts.'),
      })
      .prefault({})
      .describe('The price of the assistant that calls ollm-mcp, to value the tokens each offloaded call saved it.'),
    shared: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Stdio launches share one server per user, version and settings (a process of its own the first launch starts; every launch forwards to it), so every client on this machine shares one plan of memory, one queue and the pins. Off (or OLLM_SHARED=0, or --no-shared): each launch serves on its own.',
          ),
        idleSeconds: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(120)
          .describe('The shared server exits this long after its last client leaves.'),
      })
      .prefault({})
      .describe('One shared server for every stdio client of this user (docs/clients.md).'),
    templates: z
      .strictObject({
        dir: z.string().min(1).optional().describe('The prompt templates folder; default $OLLM_HOME/templates.'),
      })
      .prefault({}),
    toolsets: toolsetsSchema
      .default(['all'])
      .describe('Which tools the server offers (fewer tools: a smaller tool list for the calling model every turn).'),
    agents: agentsSchema,
  })
  .describe('ollm-mcp settings ($OLLM_HOME/config.yaml)');

export type Settings = z.output<typeof settingsSchema>;
