/**
 * show_status's output schema's parts (show-status.ts): the savings, an agent's record, the cloud
 * fallback, a client of the shared server.
 */
import * as z from 'zod';

/** The most agents shown; the rest are counted (ollm://metrics has every one). */
export const AGENTS_SHOWN = 8;

const sums = {
  calls: z.number(),
  local: z.object({ in: z.number(), out: z.number() }).describe('tokens the local models read and wrote'),
  call: z
    .object({ in: z.number(), out: z.number(), money: z.number() })
    .describe('what the calls cost you: results read (in), arguments written (out)'),
  self: z
    .object({ in: z.number(), out: z.number(), money: z.number() })
    .describe('what doing the work yourself would have cost: inputs read, answers written'),
  savedTokens: z.number(),
  savedMoney: z.number(),
};

export const savingsSchema = z
  .object({
    prices: z.object({ inputPerMillion: z.number(), outputPerMillion: z.number(), currency: z.string() }),
    total: z.object(sums),
    today: z.object({ day: z.string(), ...sums }),
    byDay: z.array(z.object({ day: z.string(), ...sums })).describe('the last 7 days with calls, newest first'),
    byModel: z.array(z.object({ model: z.string(), ...sums })),
    byTask: z.array(z.object({ task: z.string(), ...sums })),
    footprint: z
      .object({
        tools: z.number(),
        tokensPerTurn: z.number(),
        sessionTurns: z.number(),
        sessionTokens: z.number(),
        sessionMoney: z.number(),
        callsToPayForSession: z.number().optional(),
      })
      .optional()
      .describe('what the tool list costs you every turn, a session of it, and how many offloaded calls pay for that'),
  })
  .describe('what offloaded calls saved you, across sessions (ollm://metrics has every day)');

export const agentSchema = z.object({
  agent: z.string().describe("the client's name (clientInfo.name)"),
  requests: z.number().describe('tool calls'),
  failed: z.number(),
  offloaded: z.number().describe('calls that ran work on a model'),
  promptTokens: z.number(),
  outputTokens: z.number(),
  savedTokens: z.number(),
  savedMoney: z.number(),
  good: z.number().describe('verdicts it gave (rate_answer)'),
  bad: z.number(),
  lastUsed: z.string().optional(),
});

/** The cloud fallback's health (fleetStatus, engines/openai/fallback.ts). */
export const fallbackSchema = z.object({
  name: z.string(),
  url: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  latencyMs: z.number(),
  coolingDown: z.string().optional(),
});

/** A client of the shared server (fleetStatus, as ollm://fleet lists it). */
export const clientSchema = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  pid: z.number(),
  cwd: z.string(),
  project: z.string().optional(),
  since: z.string(),
  limitSeconds: z.number().optional().describe('how long it waits for a tool call; left out: as long as it takes'),
  limit: z
    .string()
    .optional()
    .describe("the same in words, and why (its app, agents.NAME.timeoutSeconds, or the MCP SDK's default)"),
});
