/**
 * What the tool list costs the assistant that calls ollm-mcp: clients send every tool's name,
 * description and input schema to the calling model on every turn. Counted against what offloaded
 * calls save, so the ledger is honest about its own price (pure).
 */
import { formatMoney, formatTokens, money, type Prices } from './ledger.js';

/** Characters per token of a tool list (names, prose and JSON Schema). */
export const CHARS_PER_TOKEN = 3.8;
/** A session, for the figure: a working session with an assistant is some tens of turns. */
export const SESSION_TURNS = 40;

export interface Footprint {
  /** Tools offered now. */
  tools: number;
  /** Tokens of the tool list the calling model reads every turn. */
  tokensPerTurn: number;
  sessionTurns: number;
  /** A session's worth: tokensPerTurn × sessionTurns (read as input; prompt caching aside). */
  sessionTokens: number;
  sessionMoney: number;
  /**
   * Offloaded calls that pay for a session's worth, at the average saved per call so far; undefined before
   * any call saved.
   */
  callsToPayForSession?: number;
}

export function footprint(
  listChars: number,
  tools: number,
  prices: Prices,
  saved: { calls: number; savedTokens: number; savedMoney: number },
): Footprint {
  const tokensPerTurn = Math.ceil(listChars / CHARS_PER_TOKEN);
  const sessionTokens = tokensPerTurn * SESSION_TURNS;
  const sessionMoney = money(sessionTokens, 0, prices);
  const priced = prices.inputPerMillion > 0;
  const perCall = saved.calls > 0 ? (priced ? saved.savedMoney : saved.savedTokens) / saved.calls : 0;
  const out: Footprint = { tools, tokensPerTurn, sessionTurns: SESSION_TURNS, sessionTokens, sessionMoney };
  if (perCall > 0) out.callsToPayForSession = Math.ceil((priced ? sessionMoney : sessionTokens) / perCall);
  return out;
}

/** One line for show_status. */
export function footprintLine(f: Footprint, currency: string): string {
  const session =
    `~${formatTokens(f.sessionTokens)} ` +
    `tokens${f.sessionMoney > 0 ? ` (≈ ${formatMoney(f.sessionMoney, currency)})` : ''} over a ` +
    `${f.sessionTurns}-turn session`;
  const pays =
    f.callsToPayForSession !== undefined
      ? `; ${f.callsToPayForSession} offloaded call${f.callsToPayForSession === 1 ? '' : 's'} at ` +
        `the average saved so far pay${f.callsToPayForSession === 1 ? 's' : ''} for it`
      : '';
  return (
    `The tool list (${f.tools} tools) costs you ~${formatTokens(f.tokensPerTurn)} tokens a ` +
    `turn: ${session}${pays}.`
  );
}
