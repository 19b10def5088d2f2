/**
 * `doctor`'s word on `agents:` settings: a key that no client sends never applies, silently — the
 * commonest case being the app's name where the client's own name belongs (`claude-desktop` for
 * Claude Desktop's `claude-ai`). The names clients used here come from the records of agents.
 */
import { agentsThatApplyToNone, KNOWN_CLIENTS } from './config/client-names.js';
import type { Check } from './doctor-memory.js';

/**
 * The checks for the `agents:` keys: one warning per key that applies to no client, with the name it most
 * likely means; nothing when all apply.
 */
export function agentNameChecks(keys: readonly string[], seen: readonly string[], tokens: readonly string[]): Check[] {
  const problems = agentsThatApplyToNone(keys, seen, tokens);
  const known = KNOWN_CLIENTS.slice(0, 3)
    .map((c) => `${c.app} sends ${c.name}`)
    .join(', ');
  const seenHere = seen.length ? `; seen here: ${seen.slice(0, 8).join(', ')}` : '';
  return problems.map(({ key, meant }) => ({
    name: 'Agent settings',
    level: 'warn' as const,
    detail:
      `agents.${key} applies to no client: no client has connected with that name, and none is ` +
      `known to send it${meant ? ` (${meant.app} sends ${meant.name})` : ''}`,
    fix: meant
      ? `rename agents.${key} to ` +
        `agents.${/^[\w.-]+$/.test(meant.name) ? meant.name : JSON.stringify(meant.name)} in settings`
      : `key agents: by the name a client sends as clientInfo.name (${known}${seenHere}); ` +
        `show_status lists the connected clients' names`,
  }));
}
