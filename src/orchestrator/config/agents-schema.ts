/**
 * The parts of the settings schema that an agent's entry shares with the settings every client
 * gets (routing, options, toolsets), without their defaults, `agents:` itself (config/agents.ts
 * applies an entry) and `http.tokens`, the HTTP tokens naming agents. model-schema.ts (routing,
 * options) and schema.ts (toolsets) give the shared fields their defaults.
 */
import * as z from 'zod';
import { PROFILE_NAMES, TASK_TYPES } from './profiles.js';

const profile = z.enum(PROFILE_NAMES);

/**
 * The toolsets a client may choose (`all`, the default, is every tool); their tools are listed in
 * src/tools/toolsets.ts.
 */
export const TOOLSET_NAMES = ['all', 'offload', 'models', 'memory', 'templates', 'status'] as const;
export type ToolsetName = (typeof TOOLSET_NAMES)[number];

/**
 * The routing settings' fields, without their defaults: `model.routing` gives them defaults, an agent's entry
 * only what it changes.
 */
export const routingFields = {
  enabled: z.boolean(),
  defaultProfile: profile,
  overrides: z
    .partialRecord(profile, z.string().min(1))
    .describe('A model per routing profile, e.g. { code: "qwen2.5-coder:7b" }.'),
  madeFor: z
    .record(z.string().min(1).max(200), z.enum(TASK_TYPES))
    .describe(
      'Models made for a kind of work, by name, e.g. { terse: "summarize" }: routing gives them ' +
        "that work when they fit (after overrides and preferences). create_model's task records the same.",
    ),
  allowCloud: z
    .boolean()
    .describe(
      'Let routing pick Ollama cloud models (names ending in -cloud); they run on ollama.com and need `ollama signin`.',
    ),
  learning: z
    .boolean()
    .describe(
      "Learn from results: the agent's verdicts (rate_answer), failures, timeouts, answers cut at " +
        "maxTokens, comparisons and measured speed weigh each model's expected quality for the work " +
        "against its cost, and close alternatives are tried now and then. false: the table's order " +
        'only (outcomes are still recorded). `npx ollm-mcp learning reset` forgets them.',
    ),
  maxColdLoadMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .describe(
      'When set, a model that is not loaded and would take longer than this to load (ms, ' +
        "estimated from this host's measured load speed) is chosen only after the suitable models " +
        'already loaded.',
    ),
};

/** The generation options' fields, without their defaults (as routingFields). */
export const optionFields = {
  temperature: z
    .number()
    .min(0)
    .max(2)
    .describe("Sent with every request; left out, each model's own (its Modelfile), else the engine's."),
  maxTokens: z
    .number()
    .int()
    .min(1)
    .max(1_048_576)
    .describe("Most tokens an answer may take; left out, the model's own num_predict, else 4096."),
  topP: z.number().gt(0).max(1).describe("Sent with every request; left out, each model's own, else the engine's."),
  contextSize: z
    .number()
    .int()
    .min(256)
    .max(2_097_152)
    .describe("num_ctx for every request; left out, the model's own num_ctx, else a stable default."),
};

/** The answer's length when neither the caller, the settings nor the model set one. */
export const DEFAULT_MAX_TOKENS = 4096;

export const toolsetsSchema = z
  .array(z.enum(TOOLSET_NAMES))
  .min(1, `name at least one toolset: ${TOOLSET_NAMES.join(', ')}`);

/** The longest agent name kept (a client's clientInfo.name is cut to this: config/agents.ts). */
export const MAX_AGENT_NAME = 64;

/** A printable-ASCII name of 1 to MAX_AGENT_NAME characters, as config/agents.ts keeps a client's name. */
const AGENT_NAME = new RegExp(`^[\\x20-\\x7e]{1,${MAX_AGENT_NAME}}$`);

/** The longest time limit an agent's client may be said to have (a day); 0 says it has none. */
export const MAX_TIMEOUT_SECONDS = 86_400;

/** One agent's settings: what it changes from the settings every client gets. */
const agentSchema = z
  .strictObject({
    model: z
      .strictObject({
        default: z.string().min(1).optional().describe("The model used when this agent's task names none."),
        routing: z
          .strictObject({
            enabled: routingFields.enabled.optional(),
            defaultProfile: routingFields.defaultProfile.optional(),
            overrides: routingFields.overrides
              .optional()
              .describe('A model per routing profile for this agent, over model.routing.overrides.'),
            allowCloud: routingFields.allowCloud.optional(),
            learning: routingFields.learning.optional(),
            maxColdLoadMs: routingFields.maxColdLoadMs.optional(),
          })
          .optional(),
      })
      .optional(),
    options: z
      .strictObject({
        temperature: optionFields.temperature.optional(),
        maxTokens: optionFields.maxTokens.optional(),
        topP: optionFields.topP.optional(),
        contextSize: optionFields.contextSize.optional(),
      })
      .optional(),
    toolsets: toolsetsSchema.optional().describe("The tools this agent is offered (within the server's own toolsets)."),
    system: z.string().min(1).max(20_000).optional().describe("A system prompt added to this agent's generations."),
    timeoutSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_TIMEOUT_SECONDS)
      .optional()
      .describe(
        "How long this agent's client waits for a tool call before it gives up on it (s); 0: as " +
          'long as it takes. Left out: the known limit of its client (show_status lists it), else the ' +
          "MCP SDK's 60 s.",
      ),
  })
  .describe(
    'What this agent changes from the settings every client gets: model.default, ' +
      'model.routing.*, options.*, toolsets, a system prompt, and how long its client waits ' +
      '(timeoutSeconds).',
  );

export const agentsSchema = z
  .record(z.string(), agentSchema)
  .superRefine((agents, ctx) => {
    for (const name of Object.keys(agents)) {
      if (!AGENT_NAME.test(name))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `an agent's name is its client's clientInfo.name: 1 to ${MAX_AGENT_NAME} printable ASCII characters`,
        });
    }
  })
  .default({})
  .describe(
    "Settings per agent: each key is a client's name (its MCP clientInfo.name, as show_status " +
      'lists it); a client without an entry gets the settings above.',
  );

export type AgentSettings = z.output<typeof agentSchema>;

/**
 * Bearer tokens for HTTP clients, each standing for an agent: `http.tokens.NAME.tokenEnv` names the
 * environment variable holding the token (the token itself never goes in the settings). A request
 * carrying it is agent NAME for the records and `agents.NAME`, whatever its client calls itself.
 * The values are checked where the HTTP server starts (server/http-tokens.ts).
 */
export const httpTokensSchema = z
  .record(
    z.string(),
    z.strictObject({
      tokenEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
        .describe(
          "The env var holding this agent's bearer token, 16 characters or more (the token itself " +
            'never goes in this file).',
        ),
    }),
  )
  .superRefine((tokens, ctx) => {
    const byVariable = new Map<string, string>();
    for (const [name, { tokenEnv }] of Object.entries(tokens)) {
      if (!AGENT_NAME.test(name) || name.trim() !== name || name === 'unknown') {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message:
            `a token's name is the agent it stands for: 1 to ${MAX_AGENT_NAME} printable ASCII ` +
            `characters, no spaces around it, not "unknown"`,
        });
      }
      const other = byVariable.get(tokenEnv);
      if (other === undefined) byVariable.set(tokenEnv, name);
      else
        ctx.addIssue({
          code: 'custom',
          path: [name, 'tokenEnv'],
          message: `${tokenEnv} is already the token of "${other}": each agent needs a token of its own`,
        });
    }
  })
  .default({})
  .describe(
    "Bearer tokens over HTTP, by the agent each stands for: a request with agent NAME's token " +
      'is that agent (records, agents.NAME) whatever its clientInfo says. E.g. { ci-bot: { ' +
      'tokenEnv: OLLM_TOKEN_CI } }.',
  );
