/**
 * What each agent (a client, by its name: config/agents.ts) asked of this server, kept in the
 * state database and shared by every ollm-mcp process as the metrics are (storage/summed-table.ts:
 * sums recorded in memory, flushed debounced, no write of its own per call): per agent, its tool
 * calls, those that failed, and the verdicts it gave (rate_answer). Its tokens and what it saved
 * are the savings ledger's, kept per agent there (savings-store.ts); agentRecords joins the two.
 */
import { SummedTable } from '../storage/summed-table.js';
import type { SavingsSums } from './savings-store.js';

const FIELDS = ['requests', 'failed', 'good', 'bad'] as const;
type Cell = Record<(typeof FIELDS)[number] | 'lastMs', number>;

/** One agent's record, as show_status and ollm://metrics show it. */
export interface AgentRecord {
  agent: string;
  /** Tool calls, and how many of them failed (an isError result). */
  requests: number;
  failed: number;
  /** Calls that ran work on a model (the savings ledger's calls), their local tokens, and what they saved the agent. */
  offloaded: number;
  promptTokens: number;
  outputTokens: number;
  savedTokens: number;
  savedMoney: number;
  /** Verdicts the agent gave (rate_answer); a repeated verdict on the same answer counts once. */
  good: number;
  bad: number;
  /** ISO time of its last call, when known. */
  lastUsed?: string;
}

const empty = (): Cell => ({ requests: 0, failed: 0, good: 0, bad: 0, lastMs: 0 });
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function addInto(a: Cell, b: Cell): Cell {
  for (const f of FIELDS) a[f] += b[f];
  a.lastMs = Math.max(a.lastMs, b.lastMs);
  return a;
}

function parseRow(v: unknown): Cell | null {
  if (!isObj(v)) return null;
  const c = empty();
  for (const f of FIELDS) c[f] = count(v[f]);
  c.lastMs = count(v.lastMs);
  return c;
}

export class AgentsStore extends SummedTable<Cell> {
  constructor(home: string, options: { flushDelayMs?: number } = {}) {
    // no file of an earlier version: agents were not kept before
    super(
      home,
      'agents',
      { parseRow, serialiseRow: (c) => ({ ...c }), parseFile: () => null, zero: empty, add: addInto },
      options,
    );
  }

  /** One tool call of `agent`, `ok` or failed. Never throws. */
  called(agent: string, ok: boolean, at = Date.now()): void {
    if (typeof agent !== 'string' || agent === '') return;
    this.addDelta(agent, { ...empty(), requests: 1, failed: ok ? 0 : 1, lastMs: at });
  }

  /** A verdict `agent` gave on an answer (counted when it changed what was recorded). Never throws. */
  verdict(agent: string, good: boolean): void {
    if (typeof agent !== 'string' || agent === '') return;
    this.addDelta(agent, { ...empty(), [good ? 'good' : 'bad']: 1 });
  }

  /**
   * Every agent's record — its calls and verdicts here, its tokens and savings from the ledger's `byAgent` —
   * most requests first.
   */
  records(ledger: ReadonlyArray<SavingsSums & { agent: string }>): AgentRecord[] {
    const rows = this.rows();
    const names = new Set([...rows.keys(), ...ledger.map((l) => l.agent)]);
    const out = [...names].map((agent): AgentRecord => {
      const c = rows.get(agent) ?? empty();
      const l = ledger.find((x) => x.agent === agent);
      return {
        agent,
        requests: c.requests,
        failed: c.failed,
        offloaded: l?.calls ?? 0,
        promptTokens: l?.local.in ?? 0,
        outputTokens: l?.local.out ?? 0,
        savedTokens: l?.savedTokens ?? 0,
        savedMoney: l?.savedMoney ?? 0,
        good: c.good,
        bad: c.bad,
        ...(c.lastMs > 0 && { lastUsed: new Date(c.lastMs).toISOString() }),
      };
    });
    return out.sort((a, b) => b.requests - a.requests || b.offloaded - a.offloaded || (a.agent < b.agent ? -1 : 1));
  }
}
