/**
 * What one offloaded call saved the assistant that made it (pure: no I/O and nothing of Node's,
 * so the status view can share the number formats).
 *
 * - local: the tokens the local model read and wrote — free to the assistant.
 * - call: what the call cost the assistant: the arguments it wrote (output tokens) and the result
 *   it reads (input tokens).
 * - self: what doing the work itself would have cost: reading every input (the prompt, the system
 *   prompt, and each file, diff and image the server read for it) and writing the answer.
 * - saved = self − call, in tokens and in money (input and output tokens priced apart).
 */
import { grouped } from '../util/locale-free.js';

export interface CallTokens {
  /** The tool call's arguments, which the assistant wrote. */
  argsTokens: number;
  /** The result text the assistant reads. */
  resultTokens: number;
  /** Everything the work reads: prompt, system, and the files, diffs and images read by path. */
  inputTokens: number;
  /** The answer the assistant would have written. */
  answerTokens: number;
  localPromptTokens: number;
  localOutputTokens: number;
  /** Tokens of the inputs the server read by path (part of inputTokens). */
  inputsByReference: number;
}

export interface Prices {
  inputPerMillion: number;
  outputPerMillion: number;
  currency: string;
}

export interface LedgerEntry {
  local: { in: number; out: number };
  call: { in: number; out: number; money: number };
  self: { in: number; out: number; money: number };
  /** (self in + out) − (call in + out); negative when the call cost more. */
  savedTokens: number;
  /** self money − call money. */
  savedMoney: number;
  /** By money; by tokens when both prices are zero. */
  verdict: 'saved' | 'cost_more';
  /** Tokens of the inputs read by path (part of self.in). */
  inputsByReference: number;
}

/** Above this many tokens of arguments with few inputs by path, the line suggests passing paths. */
const LARGE_ARGS = 1000;

// isFinite is false for anything not a number
const count = (n: unknown): number => (Number.isFinite(n) ? Math.max(0, n as number) : 0);
/** Money kept to 1e-10 so sums and tests see exact figures, not float noise. */
const cents = (x: number): number => Math.round(x * 1e10) / 1e10;

export function money(inTokens: number, outTokens: number, p: Prices): number {
  return cents((inTokens * count(p.inputPerMillion)) / 1e6 + (outTokens * count(p.outputPerMillion)) / 1e6);
}

export function priceCall(t: CallTokens, p: Prices): LedgerEntry {
  const call = { in: count(t.resultTokens), out: count(t.argsTokens), money: 0 };
  const self = { in: count(t.inputTokens), out: count(t.answerTokens), money: 0 };
  call.money = money(call.in, call.out, p);
  self.money = money(self.in, self.out, p);
  const savedTokens = self.in + self.out - (call.in + call.out);
  const savedMoney = cents(self.money - call.money);
  const priced = count(p.inputPerMillion) + count(p.outputPerMillion) > 0;
  return {
    local: { in: count(t.localPromptTokens), out: count(t.localOutputTokens) },
    call,
    self,
    savedTokens,
    savedMoney,
    verdict: (priced ? savedMoney : savedTokens) >= 0 ? 'saved' : 'cost_more',
    inputsByReference: count(t.inputsByReference),
  };
}

/** Token counts as people read them: 62, 1.2k, 15k, 15.1k, 1.3M. */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (Math.round(a) < 1000) return `${sign}${Math.round(a)}`;
  const scaled = (div: number) => (a / div < 100 ? Math.round((a / div) * 10) / 10 : Math.round(a / div));
  // the first unit under which it shows below 1000; else billions, however many
  const [div, suffix] = TOKEN_UNITS.find(([d]) => scaled(d) < 1000) ?? [1e9, 'B'];
  return `${sign}${scaled(div)}${suffix}`;
}

const TOKEN_UNITS: ReadonlyArray<[number, string]> = [
  [1e3, 'k'],
  [1e6, 'M'],
];

/** Money with enough digits for small amounts: $0.05, $0.003, $0.17, $1,234.50. */
export function formatMoney(x: number, currency = '$'): string {
  const v = Number.isFinite(x) ? x : 0;
  const a = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (a >= 1000) return `${sign}${currency}${grouped(a, 2)}`;
  const digits = Math.min(6, Math.max(2, -Math.floor(Math.log10(a)))); // 0 gives 6
  // past two decimals, a zero that rounding left at the end goes (0.00096 shows as 0.001)
  const s = a.toFixed(digits).replace(/(\.\d\d\d*?)0+$/, '$1');
  return Number(s) === 0 ? `${currency}0` : `${sign}${currency}${s}`; // what shows as nothing is 0, unsigned
}

/** The least saving in money a line tells: a cent (of any currency). */
const WORTH_TELLING = 0.01;

/**
 * One short line for the end of a tool result: what the call saved, or honestly what it cost more; `what`
 * names what it counts ("this call", or a job's call with its hand-overs).
 */
export function ledgerLine(e: LedgerEntry, p: Prices, what = 'this call'): string {
  const priced = count(p.inputPerMillion) + count(p.outputPerMillion) > 0;
  const cur = p.currency || '$';
  const callTokens = e.call.in + e.call.out;
  const selfTokens = e.self.in + e.self.out;
  const costs = `${what} cost you ${formatTokens(callTokens)}, doing it yourself ~${formatTokens(selfTokens)}`;
  if (e.verdict === 'saved') {
    // money worth telling: a cent or more (issue 83, finding 7: "Saved you ≈ $0.00001 (80 more tokens, …)")
    const money = priced && e.savedMoney >= WORTH_TELLING ? formatMoney(e.savedMoney, cur) : undefined;
    if (e.savedTokens > 0)
      return `Saved you ~${formatTokens(e.savedTokens)} tokens${money ? ` (≈ ${money})` : ''}: ${costs}.`;
    // no tokens saved: no saving claimed — about even, and cheaper only by what is worth telling
    const more = e.savedTokens < 0 ? `${formatTokens(-e.savedTokens)} more tokens, ` : '';
    return `About even with doing it yourself${money ? ` (${more}≈ ${money} cheaper)` : ''}: ${costs}.`;
  }
  const more = priced ? `~${formatMoney(-e.savedMoney, cur)}` : `~${formatTokens(-e.savedTokens)} tokens`;
  if (e.call.out > LARGE_ARGS && e.inputsByReference < e.call.out) {
    return (
      `${capital(what)} cost you ${more} more than doing it yourself (${formatTokens(e.call.out)} ` +
      `tokens written as arguments) — pass long inputs by path (files, diff, images) instead of ` +
      `pasting them.`
    );
  }
  return `${capital(what)} cost you ${more} more than doing it yourself (${costs}).`;
}

/** Whether `line` is a ledger line (ledgerLine's): a result kept and returned again drops it (issue 83, finding 5). */
export function isLedgerLine(line: string): boolean {
  return /^(Saved you ~|About even with doing it yourself|(This call|This job with its hand-overs) cost you )/.test(
    line,
  );
}

const capital = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
