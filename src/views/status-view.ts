/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The fleet and memory monitor: each host, its RAM and VRAM as bars (each loaded model's share,
 * the budget, the headroom left), pins, keep-alive countdowns, requests in flight and per-model
 * metrics, with buttons to unload or pin a model; what offloading saved (in all, today, by
 * model); and each model's track record by kind of work, which routing learns from. Refreshes every
 * few seconds while open.
 */
import { connectBridge, textOf, type Bridge, type ToolResult } from './bridge.js';
import { $, countdown, esc, secs } from './ui.js';
import { hostSection, tps, type Host, type Metric } from './status-hosts.js';
import { formatMoney, formatTokens } from '../orchestrator/savings/ledger.js';

interface Sums {
  calls: number;
  call: { in: number; out: number; money: number };
  self: { in: number; out: number; money: number };
  savedTokens: number;
  savedMoney: number;
}
interface Savings {
  prices: { inputPerMillion: number; outputPerMillion: number; currency: string };
  total: Sums;
  today: Sums;
  byModel: Array<Sums & { model: string }>;
}
interface WorkRecord {
  good: number;
  bad: number;
  failures: number;
  timeouts: number;
  cut: number;
  wins: number;
  losses: number;
  meanQuality: number;
  uncertainty: number;
  tokensPerSecond?: number;
  summary: string;
}
interface Learning {
  on: boolean;
  records: Array<{ model: string; host?: string; work: string; record: WorkRecord }>;
}
interface Status {
  hosts: Host[];
  metrics: Record<string, Metric>;
  memory?: { budgetBytes: number; headroomBytes: number; loadedBytes: number };
  savings?: Savings;
  learning?: Learning;
}

const REFRESH_MS = 3000;
const bridge: Bridge = connectBridge('ollm-status');

function metricsTable(s: Status): string {
  const rows = Object.entries(s.metrics);
  if (!rows.length) return '';
  return `<section class="card"><h2>Per-model metrics</h2><div class="scroll"><table><thead><tr><th>model</th><th class="num">requests</th><th class="num">failures</th><th class="num">tok/s</th><th class="num opt">latency</th><th class="num opt">load</th></tr></thead><tbody>${rows
    .map(
      ([name, m]) =>
        `<tr><td>${esc(name)}</td><td class="num">${m.requests}</td><td class="num">${m.failures}</td><td class="num">${tps(m.avgTokensPerSecond)}</td><td class="num opt">${secs(m.avgLatencyMs)}</td><td class="num opt">${secs(m.avgLoadMs)}</td></tr>`,
    )
    .join('')}</tbody></table></div></section>`;
}

/** Saved tokens and money, in the warning colour when offloading cost more than it saved. */
function saved(x: Sums, currency: string, priced: boolean): string {
  const cls = (priced ? x.savedMoney : x.savedTokens) < 0 ? 'warn' : 'ok';
  return (
    `<span class="${cls}">${formatTokens(x.savedTokens)} ` +
    `tokens${priced ? ` · ${formatMoney(x.savedMoney, currency)}` : ''}</span>`
  );
}

function savingsPanel(s: Status): string {
  const v = s.savings;
  if (!v) return '';
  const head = '<h2>Saved <span class="muted">by offloading to local models</span></h2>';
  if (v.total.calls === 0)
    return (
      `<section class="card" data-panel="saved">${head}<p class="muted">No offloaded call ` +
      `recorded yet.</p></section>`
    );
  const priced = v.prices.inputPerMillion + v.prices.outputPerMillion > 0;
  const calls = (n: number) => `${n} call${n === 1 ? '' : 's'}`;
  const line = (x: Sums) =>
    x.calls
      ? `${saved(x, v.prices.currency, priced)} <span class="muted">over ${calls(x.calls)} · cost ` +
        `you ${formatTokens(x.call.in + x.call.out)}, yourself ` +
        `${formatTokens(x.self.in + x.self.out)}</span>`
      : '<span class="muted">nothing yet</span>';
  const rows = v.byModel
    .map(
      (m) =>
        `<tr data-saved-model="${esc(m.model)}"><td>${esc(m.model)}</td><td ` +
        `class="num">${m.calls}</td><td class="num">${saved(m, v.prices.currency, priced)}</td><td ` +
        `class="num opt">${formatTokens(m.call.in + m.call.out)}</td><td class="num ` +
        `opt">${formatTokens(m.self.in + m.self.out)}</td></tr>`,
    )
    .join('');
  return `<section class="card" data-panel="saved">${head}<dl class="metrics"><dt>in all</dt><dd data-saved="total">${line(v.total)}</dd><dt>today</dt><dd data-saved="today">${line(v.today)}</dd></dl>
<div class="scroll"><table><thead><tr><th>model</th><th class="num">calls</th><th class="num">saved</th><th class="num opt">cost you</th><th class="num opt">yourself</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** A share 0–1 as a whole percentage, clamped; '—' for anything not a number. */
function percent(x: unknown): string | undefined {
  const n = typeof x === 'number' && Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : undefined;
  return n === undefined ? undefined : `${Math.round(n * 100)}%`;
}

/** Each model's record per kind of work (the server sorts by work, then best expected quality first). */
function learningPanel(s: Status): string {
  const l = s.learning;
  if (!l) return '';
  const head = '<h2>Track records <span class="muted">by kind of work · what routing learns from</span></h2>';
  const off = l.on
    ? ''
    : '<p class="warn" data-learning-off>Learning is off (model.routing.learning): routing does ' +
      'not use these records.</p>';
  const records = Array.isArray(l.records) ? l.records : [];
  if (!records.length)
    return (
      `<section class="card" data-panel="learning">${head}${off}<p class="muted" ` +
      `data-learning-empty>none yet — rate_answer adds verdicts</p></section>`
    );
  const byWork = new Map<string, Learning['records']>();
  for (const r of records) {
    const work = String(r.work);
    byWork.set(work, [...(byWork.get(work) ?? []), r]);
  }
  const row = (r: Learning['records'][number]) => {
    const pct = percent(r.record?.meanQuality);
    const spread = percent(r.record?.uncertainty);
    const quality = pct
      ? `<span class="qbar" aria-hidden="true"><span style="width:${pct}"></span></span><span ` +
        `data-quality>${pct}</span>${spread ? ` <span class="muted spread">±${spread}</span>` : ''}`
      : '—';
    const speed =
      typeof r.record?.tokensPerSecond === 'number' && Number.isFinite(r.record.tokensPerSecond)
        ? ` · ${Math.round(r.record.tokensPerSecond)} tok/s`
        : '';
    return (
      `<tr ` +
      `data-record-model="${esc(String(r.model))}"><td>${esc(String(r.model))}${r.host ? ` <span class="muted">on ${esc(String(r.host))}</span>` : ''}</td><td ` +
      `class="num quality" title="expected ` +
      `quality">${quality}</td><td>${esc(String(r.record?.summary ?? ''))}${speed}</td></tr>`
    );
  };
  const groups = [...byWork]
    .map(
      ([work, rs]) =>
        `<tbody data-work="${esc(work)}"><tr><th colspan="3" ` +
        `scope="rowgroup">${esc(work)}</th></tr>${rs.map(row).join('')}</tbody>`,
    )
    .join('');
  return (
    `<section class="card" data-panel="learning">${head}${off}<div class="scroll"><table ` +
    `class="records"><thead><tr><th>model</th><th class="num">expected ` +
    `quality</th><th>record</th></tr></thead>${groups}</table></div></section>`
  );
}

function render(r: ToolResult): void {
  const s = r.structuredContent as Status | undefined;
  if (r.isError || !s?.hosts) {
    $('#note').innerHTML = `<span class="warn">${esc(textOf(r) || 'No status.')}</span>`;
    return;
  }
  const focused = (document.activeElement as HTMLElement | null)?.dataset;
  const refocus = focused?.act
    ? `button[data-act="${focused.act}"][data-name="${CSS.escape(focused.name ?? '')}"]`
    : undefined;
  $('#hosts').innerHTML =
    s.hosts.map((h) => hostSection(h, s)).join('') + metricsTable(s) + savingsPanel(s) + learningPanel(s);
  if (refocus) document.querySelector<HTMLElement>(refocus)?.focus();
  $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  bridge.resized();
}

async function refresh(): Promise<void> {
  try {
    render(await bridge.callTool('show_status', {}));
  } catch (err) {
    $('#note').innerHTML = `<span class="warn">${esc(err instanceof Error ? err.message : String(err))}</span>`;
  }
}

async function act(button: HTMLButtonElement): Promise<void> {
  const { act: what, name, host } = button.dataset;
  if (!name) return;
  button.disabled = true;
  $('#note').textContent = what === 'unload' ? `Unloading ${name}…` : `Pinning ${name}…`;
  try {
    const r =
      what === 'unload'
        ? await bridge.callTool('unload_model', { model: name, host })
        : await bridge.callTool('smart_load', { model: name, host, pin: true });
    $('#note').innerHTML = `<span class="${r.isError ? 'warn' : 'ok'}">${esc(textOf(r))}</span>`;
  } catch (err) {
    $('#note').innerHTML = `<span class="warn">${esc(err instanceof Error ? err.message : String(err))}</span>`;
  }
  await refresh();
}

document.addEventListener('click', (ev) => {
  const button = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-act]');
  if (button) void act(button);
});
$('#refresh').addEventListener('click', () => void refresh());
bridge.onResult(render);
void refresh();
setInterval(() => void refresh(), REFRESH_MS);
setInterval(() => {
  for (const td of document.querySelectorAll<HTMLElement>('td[data-expires]'))
    td.textContent = countdown(td.dataset.expires || undefined, Boolean(td.dataset.forever));
}, 1000);
