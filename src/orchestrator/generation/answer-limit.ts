/**
 * The answer's limit: the caller's, else the settings', else the model's own num_predict, else
 * ollm-mcp's default. A call settles the part that is the same for all its requests once
 * (route/call-plan.ts: `settledLimit`) and each request reads it (`limitOn`), the model's own
 * num_predict applying only where neither the caller nor the settings set a limit.
 */
import type { Settings } from '../config/index.js';
import { DEFAULT_MAX_TOKENS } from '../config/agents-schema.js';
import { ownNumber, type ModelSettings } from '../models/model-settings.js';

/** A call's limit for a request that sets none: the settings', else the default; `bySettings`: the settings set it. */
export interface SettledLimit {
  readonly tokens: number;
  readonly bySettings: boolean;
}

/** The answer's limit: the caller's, else the settings', else the model's own num_predict, else ollm-mcp's default. */
export function answerLimit(caller: number | undefined, settings: Settings, own?: ModelSettings): number {
  const mine = ownNumber(own, 'num_predict');
  return caller ?? settings.options.maxTokens ?? (mine !== undefined && mine > 0 ? mine : DEFAULT_MAX_TOKENS);
}

/** What a call settles once: the limit of its requests that set none (one answerLimit). */
export function settledLimit(settings: Settings): SettledLimit {
  return { tokens: answerLimit(undefined, settings), bySettings: settings.options.maxTokens !== undefined };
}

/** A request's limit on a model, from its call's settled limit: the same as answerLimit, not worked out again. */
export function limitOn(caller: number | undefined, settled: SettledLimit, own?: ModelSettings): number {
  if (caller !== undefined) return caller;
  const mine = settled.bySettings ? undefined : ownNumber(own, 'num_predict');
  return mine !== undefined && mine > 0 ? mine : settled.tokens;
}

/**
 * The limit someone set — the caller's, else the settings' —; undefined when a request's limit is a default
 * (ollm-mcp's, the model's own num_predict): what another ollm-mcp is sent (engines/ollm), which applies its own.
 */
export function askedLimit(caller: number | undefined, settled: SettledLimit): number | undefined {
  return caller ?? (settled.bySettings ? settled.tokens : undefined);
}
