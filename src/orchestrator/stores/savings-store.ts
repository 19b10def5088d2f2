/**
 * The savings ledger across sessions, in the state database, shared by every ollm-mcp process on
 * the machine as the metrics are (storage/summed-table.ts): rows hold sums only, per day (UTC),
 * model, task and agent (the calling client; rows of earlier versions are agent "unknown"), so
 * several processes' contributions add up.
 */
import { SummedTable } from '../storage/summed-table.js';
import { UNKNOWN_AGENT } from '../config/agents.js';
import { log } from '../util/log.js';
import { priceCall, type CallTokens, type LedgerEntry, type Prices } from '../savings/ledger.js';

/** Sums over some calls, shaped like a ledger entry. */
export interface SavingsSums {
  calls: number;
  local: { in: number; out: number };
  call: { in: number; out: number; money: number };
  self: { in: number; out: number; money: number };
  savedTokens: number;
  savedMoney: number;
}

export interface SavingsSummary {
  /** The prices in effect (settings' savings), which valued each call as it was recorded. */
  prices: Prices;
  total: SavingsSums;
  /** Today (UTC). */
  today: SavingsSums & { day: string };
  /** Newest first. */
  byDay: Array<SavingsSums & { day: string }>;
  /** Most tokens saved first. */
  byModel: Array<SavingsSums & { model: string }>;
  byTask: Array<SavingsSums & { task: string }>;
  /** Per calling agent (its client's name), most calls first. */
  byAgent: Array<SavingsSums & { agent: string }>;
}

export type SavingsRecord = LedgerEntry & { model: string; task: string; agent?: string; at?: number };

const FIELDS = [
  'calls',
  'localIn',
  'localOut',
  'callIn',
  'callOut',
  'callMoney',
  'selfIn',
  'selfOut',
  'selfMoney',
  'savedTokens',
  'savedMoney',
] as const;
/** What the file stores per day, model and task. */
type Cell = Record<(typeof FIELDS)[number], number>;
/** Keyed by JSON.stringify([day, model, task, agent]) (without the agent in earlier versions): any string is safe. */
type Table = Map<string, Cell>;
type Key = [day: string, model: string, task: string, agent?: string];

const SIGNED = new Set<string>(['savedTokens', 'savedMoney']);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const empty = (): Cell => ({
  calls: 0,
  localIn: 0,
  localOut: 0,
  callIn: 0,
  callOut: 0,
  callMoney: 0,
  selfIn: 0,
  selfOut: 0,
  selfMoney: 0,
  savedTokens: 0,
  savedMoney: 0,
});
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
/** Sums of money without float noise (amounts are kept to 1e-10, as ledger.ts prices them). */
const cents = (x: number): number => Math.round(x * 1e10) / 1e10;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const keyOf = (day: string, model: string, task: string, agent?: string) =>
  JSON.stringify(agent === undefined ? [day, model, task] : [day, model, task, agent]);
const parseKey = (k: string) => JSON.parse(k) as Key;
const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

function addInto(a: Cell, b: Cell): Cell {
  for (const f of FIELDS) a[f] += b[f];
  return a;
}

function toSums(c: Cell): SavingsSums {
  return {
    calls: c.calls,
    local: { in: c.localIn, out: c.localOut },
    call: { in: c.callIn, out: c.callOut, money: cents(c.callMoney) },
    self: { in: c.selfIn, out: c.selfOut, money: cents(c.selfMoney) },
    savedTokens: c.savedTokens,
    savedMoney: cents(c.savedMoney),
  };
}

/** One stored cell, or null when it is not one. */
function parseRow(v: unknown): Cell | null {
  if (!isObj(v)) return null;
  const c = empty();
  for (const f of FIELDS) c[f] = SIGNED.has(f) ? num(v[f]) : Math.max(0, num(v[f]));
  // a cell of calls, or of what hand-overs cost (no call of its own: recordOverhead)
  return c.calls > 0 || c.callIn + c.callOut > 0 ? c : null;
}

/**
 * Where what jobs' hand-overs and follow-up calls cost is counted (recordOverhead): a model of its own, so
 * byModel shows it apart.
 */
export const HAND_OVERS = '(job hand-overs)';

/**
 * savings.json of an earlier version: its cells and the entries that are not valid; null when its shape is
 * not ours.
 */
function parseFile(raw: unknown): { value: Table; rejected: unknown[] } | null {
  if (!isObj(raw) || !isObj(raw.days)) return null;
  const out: Table = new Map();
  const rejected: unknown[] = [];
  for (const [day, models] of Object.entries(raw.days)) {
    if (!DAY.test(day) || !isObj(models)) {
      rejected.push({ [day]: models });
      continue;
    }
    for (const [model, tasks] of Object.entries(models)) {
      if (model === '' || !isObj(tasks)) {
        rejected.push({ day, model, tasks });
        continue;
      }
      for (const [task, v] of Object.entries(tasks)) {
        const c = task === '' ? null : parseRow(v);
        if (c) out.set(keyOf(day, model, task), c);
        else rejected.push({ day, model, task, value: v });
      }
    }
  }
  return { value: out, rejected };
}

export class SavingsStore extends SummedTable<Cell> {
  constructor(
    home: string,
    /** The prices that value each call (settings' savings). */
    readonly prices: Prices,
    /** `legacyFile`: an earlier version's savings.json, imported once. */
    options: { flushDelayMs?: number; legacyFile?: string } = {},
  ) {
    super(
      home,
      'savings',
      { parseRow, serialiseRow: (c) => ({ ...c }), parseFile, zero: empty, add: addInto },
      options,
    );
  }

  /** Prices a call at this store's prices, records it, and returns the entry (for ledgerLine). Never throws. */
  recordCall(tokens: CallTokens, where: { model: string; task: string; agent?: string; at?: number }): LedgerEntry {
    const entry = priceCall(tokens, this.prices);
    this.record({ ...entry, ...where });
    return entry;
  }

  /**
   * What a job's hand-over or follow-up call cost the agent (tokens it read, wrote): a cost with
   * nothing saved against it, counted apart (model HAND_OVERS) and as no call, so the totals are net.
   */
  recordOverhead(cost: { in: number; out: number }, where: { agent?: string; at?: number } = {}): void {
    const call = { in: Math.max(0, cost.in), out: Math.max(0, cost.out), money: 0 };
    if (call.in + call.out === 0) return;
    const {
      self: _s,
      local: _l,
      ...priced
    } = priceCall(
      {
        argsTokens: call.out,
        resultTokens: call.in,
        inputTokens: 0,
        answerTokens: 0,
        localPromptTokens: 0,
        localOutputTokens: 0,
        inputsByReference: 0,
      },
      this.prices,
    );
    this.record(
      {
        ...priced,
        local: { in: 0, out: 0 },
        self: { in: 0, out: 0, money: 0 },
        model: HAND_OVERS,
        task: 'hand-over',
        ...where,
      },
      0,
    );
  }

  /** Adds a priced call in memory (`calls`: how many calls it counts as) and schedules a flush. Never throws. */
  record(e: SavingsRecord, calls = 1): void {
    try {
      if (typeof e?.model !== 'string' || e.model === '' || typeof e.task !== 'string') return;
      const at = typeof e.at === 'number' && Number.isFinite(e.at) && e.at > 0 ? e.at : Date.now();
      const key = keyOf(
        utcDay(at),
        e.model,
        e.task || 'general',
        typeof e.agent === 'string' && e.agent !== '' ? e.agent : undefined,
      );
      const delta: Cell = {
        calls,
        localIn: e.local.in,
        localOut: e.local.out,
        callIn: e.call.in,
        callOut: e.call.out,
        callMoney: e.call.money,
        selfIn: e.self.in,
        selfOut: e.self.out,
        selfMoney: e.self.money,
        savedTokens: e.savedTokens,
        savedMoney: e.savedMoney,
      };
      for (const f of FIELDS) delta[f] = SIGNED.has(f) ? num(delta[f]) : Math.max(0, num(delta[f]));
      this.addDelta(key, delta);
    } catch (err) {
      log.debug(`savings: record failed: ${errText(err)}`);
    }
  }

  /** This process's view: the rows as last read or written plus what is not yet flushed. */
  summary(options: { days?: number; now?: number } = {}): SavingsSummary {
    const today = utcDay(options.now ?? Date.now());
    const total = empty();
    const groups = {
      day: new Map<string, Cell>(),
      model: new Map<string, Cell>(),
      task: new Map<string, Cell>(),
      agent: new Map<string, Cell>(),
    };
    for (const [k, cell] of this.rows()) {
      const [day, model, task, agent = UNKNOWN_AGENT] = parseKey(k);
      addInto(total, cell);
      for (const [g, name] of [
        ['day', day],
        ['model', model],
        ['task', task],
        ['agent', agent],
      ] as const)
        groups[g].set(name, addInto(groups[g].get(name) ?? empty(), cell));
    }
    const rows = (g: Map<string, Cell>) => [...g].map(([name, c]) => ({ name, sums: toSums(c) }));
    const bySaved = (a: { sums: SavingsSums }, b: { sums: SavingsSums }) => b.sums.savedTokens - a.sums.savedTokens;
    const byDay = rows(groups.day)
      .sort((a, b) => (a.name < b.name ? 1 : -1))
      .map((r) => ({ day: r.name, ...r.sums }));
    return {
      prices: { ...this.prices },
      total: toSums(total),
      today: { day: today, ...toSums(groups.day.get(today) ?? empty()) },
      byDay: options.days !== undefined ? byDay.slice(0, Math.max(0, options.days)) : byDay,
      byModel: rows(groups.model)
        .sort(bySaved)
        .map((r) => ({ model: r.name, ...r.sums })),
      byTask: rows(groups.task)
        .sort(bySaved)
        .map((r) => ({ task: r.name, ...r.sums })),
      byAgent: rows(groups.agent)
        .sort((a, b) => b.sums.calls - a.sums.calls)
        .map((r) => ({ agent: r.name, ...r.sums })),
    };
  }
}
