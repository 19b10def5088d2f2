/**
 * The bearer tokens an HTTP server accepts, checked where it starts: the one of `--token` or
 * OLLM_HTTP_TOKEN, whose clients name themselves, and one per `http.tokens` entry, read from the
 * variable the entry names, whose requests are that agent whatever their client says. Each must be
 * set and at least 16 characters (spaces around it not counted), and no two alike — a shared token
 * could not tell its agents apart. The reasons name where a token comes from, never its value.
 */
import type { Settings } from '../orchestrator/config/schema.js';
import { tokenProblem, type HttpToken } from './http-guard.js';

/** The token given by flag or OLLM_HTTP_TOKEN, and where it came from (`--token`, `OLLM_HTTP_TOKEN`). */
export interface UnnamedToken {
  value: string;
  source: string;
}

/** Every token the server accepts, trimmed as served; or why it cannot start. */
export function acceptedTokens(
  named: Settings['http']['tokens'],
  env: NodeJS.ProcessEnv,
  unnamed?: UnnamedToken,
): { tokens: HttpToken[] } | { problem: string } {
  const given: Array<{ raw: string | undefined; source: string; agent?: string }> = unnamed
    ? [{ raw: unnamed.value, source: unnamed.source }]
    : [];
  for (const [agent, { tokenEnv }] of Object.entries(named))
    given.push({ raw: env[tokenEnv], agent, source: `http.tokens.${agent} (${tokenEnv})` });
  const tokens: HttpToken[] = [];
  for (const { raw, source, agent } of given) {
    if (raw === undefined)
      return {
        problem:
          `${source} is not set: set that variable to the token agent "${agent}" sends (make one with ` +
          `\`openssl rand -hex 16\`), or remove the entry.`,
      };
    const weak = tokenProblem(raw, source);
    if (weak) return { problem: weak };
    const value = raw.trim(); // served as checked
    const same = tokens.find((t) => t.value === value);
    if (same)
      return {
        problem:
          `${same.source} and ${source} are the same token: give each agent a token of its own, so ` +
          `its requests tell it apart.`,
      };
    tokens.push({ value, source, ...(agent !== undefined && { agent }) });
  }
  return { tokens };
}
