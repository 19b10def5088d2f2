/**
 * The one settings schema. Everything that reads settings — the file, env vars, CLI flags, the
 * published JSON Schema in schemas/settings.schema.json — goes through it.
 */
import * as z from 'zod';
import { bytes, sizeInput } from './schema-parts.js';
import { hostsSchema } from './hosts-schema.js';
import { parseBudget, type BudgetSetting } from './units.js';
import { agentsSchema, httpTokensSchema, toolsetsSchema } from './agents-schema.js';
import { ollamaSchema } from './ollama-schema.js';
import { modelSchema, optionsSchema } from './model-schema.js';
import { inputsSchema } from './inputs-schema.js';

const budget = sizeInput
  .transform((value, ctx): BudgetSetting => {
    const b = parseBudget(value);
    if (!b) {
      ctx.addIssue({ code: 'custom', message: 'expected bytes, a size like "12GB", or a share of RAM like "80%"' });
      return z.NEVER;
    }
    return b;
  })
  .describe('Memory the loaded models may use in all: bytes, a size like "12GB", or a share of total RAM like "80%".');

export { TOOLSET_NAMES, type ToolsetName } from './agents-schema.js';

export const settingsSchema = z
  .strictObject({
    provider: z.enum(['ollama']).default('ollama').describe('The model provider. Only "ollama" today.'),
    ollama: ollamaSchema,
    model: modelSchema,
    options: optionsSchema,
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
            'A memory file of an earlier version, imported once into $OLLM_HOME/state.db; default ' +
              '$OLLM_HOME/memory.json.',
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
            'Whether files, diffs and images read by path may be sent to it; off: a call with such ' +
              'inputs stops before the fallback.',
          ),
      })
      .optional()
      .describe(
        'The last member of the fleet: an OpenAI-compatible chat API asked when every local engine ' +
          'failed, whatever the failure.',
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
            'A long tool (route_and_generate, compare, smart_load, pull_model, render_template with ' +
              'generate) sends a progress notification at least this often (ms), naming what it waits ' +
              'for, when the client asked for progress.',
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
            'Over HTTP, a 2025-era call whose response stream dropped goes on for this long (seconds) ' +
              'waiting for the client to resume it (GET with Last-Event-ID); not resumed by then, it is ' +
              'cancelled and its engine request stopped — after at most 3 s when another call waits ' +
              'meanwhile. 0 cancels at once.',
          ),
        tokens: httpTokensSchema,
      })
      .prefault({}),
    inputs: inputsSchema,
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
            'Stdio launches share one server per user, version and settings (a process of its own the ' +
              'first launch starts; every launch forwards to it), so every client on this machine shares ' +
              'one plan of memory, one queue and the pins. Off (or OLLM_SHARED=0, or --no-shared): each ' +
              'launch serves on its own.',
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
