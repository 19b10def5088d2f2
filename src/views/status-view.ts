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
import { $, bytes, countdown, esc, secs } from './ui.js';
import { formatMoney, formatTokens } from '../orchestrator/savings/ledger.js';

interface Loaded { name: string; sizeBytes: number; vramBytes: number; expiresAt?: string; keptForever?: boolean; pinned?: boolean; requestsRunning?: number }
interface Host {
  name: string; kind: 'ollama' | 'llamacpp' | 'openai' | 'ollm'; url?: string; reachable?: boolean; managesMemory?: boolean; error?: string;
  router?: boolean; modelsMax?: number; models?: Array<{ name: string; status: string; sizeBytes: number; sizeSource: string }>;
  capacity?: { kind: string; note?: string; ramTotalBytes?: number; ramAvailableBytes?: number; vramTotalBytes?: number; vramFreeBytes?: number };
  loaded?: Loaded[]; requestsRunning?: number;
}
interface Metric { requests: number; failures: number; avgLatencyMs: number; avgTokensPerSecond: number; avgLoadMs: number; lastUsed: string }
interface Sums { calls: number; call: { in: number; out: number; money: number }; self: { in: number; out: number; money: number }; savedTokens: number; savedMoney: number }
interface Savings { prices: { inputPerMillion: number; outputPerMillion: number; currency: string }; total: Sums; today: Sums; byModel: Array<Sums & { model: string }> }
interface WorkRecord { good: number; bad: number; failures: number; timeouts: number; cut: number; wins: number; losses: number; meanQuality: number; uncertainty: number; tokensPerSecond?: number; summary: string }
interface Learning { on: boolean; records: Array<{ model: string; host?: string; work: string; record: WorkRecord }> }
interface Status { hosts: Host[]; metrics: Record<string, Metric>; memory?: { budgetBytes: number; headroomBytes: number; loadedBytes: number }; savings?: Savings; learning?: Learning }

const REFRESH_MS = 3000;
const COLORS = ['var(--m1)', 'var(--m2)', 'var(--m3)', 'var(--m4)', 'var(--m5)'];
const bridge: Bridge = connectBridge('ollm-status');

function bar(label: string, total: number, parts: Array<{ name: string; bytes: number }>, budget?: number, headroom?: number): string {
  const pct = (n: number) => `${Math.max(0, Math.min(100, (n / total) * 100)).toFixed(2)}%`;
  const used = parts.reduce((n, p) => n + p.bytes, 0);
  const segs = parts.map((p, i) => `<span style="width:${pct(p.bytes)};background:${COLORS[i % COLORS.length]}" title="${esc(p.name)}: ${bytes(p.bytes)}"></span>`).join('');
  const mark = budget !== undefined && budget < total ? `<span class="budget" style="left:${pct(budget)}" title="budget ${bytes(budget)}"></span>` : '';
  const legend = parts.map((p, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(p.name)} ${bytes(p.bytes)}</span>`).join('');
  const free = headroom === undefined ? `free ${bytes(total - used)}` : headroom < 0 ? 'headroom for one more model unknown' : headroom === 0 ? 'no headroom for one more model' : `headroom for one more model ${bytes(headroom)}`; // -1: unknown, never shown as bytes
  return `<div class="mem" data-bar="${label}"><div class="row"><strong>${label}</strong><span class="muted">${bytes(used)} of ${bytes(total)} used by models · ${free}${budget !== undefined ? ` · budget ${bytes(budget)}` : ''}</span></div>
<div class="bar" role="img" aria-label="${label}: ${bytes(used)} of ${bytes(total)} used by models">${segs}${mark}</div><div class="legend">${legend}</div></div>`;
}

function modelRow(h: Host, m: Loaded, metrics: Metric | undefined): string {
  const flags = `${m.pinned ? '<span class="tag">pinned</span>' : ''}${m.requestsRunning ? `<span class="tag warn">${m.requestsRunning} running</span>` : ''}`;
  return `<tr data-model="${esc(m.name)}"><td>${esc(m.name)}${flags}</td><td class="num">${bytes(m.sizeBytes)}</td><td class="num opt">${bytes(m.vramBytes)}</td>
<td class="num" data-expires="${esc(m.expiresAt ?? '')}" data-forever="${m.keptForever ? 1 : ''}">${countdown(m.expiresAt, m.keptForever)}</td>
<td class="num opt">${metrics ? `${tps(metrics.avgTokensPerSecond)} tok/s · ${metrics.requests} req` : '—'}</td>
<td><div class="row"><button type="button" data-act="unload" data-host="${esc(h.name)}" data-name="${esc(m.name)}">Unload</button>${
    m.pinned ? '' : `<button type="button" data-act="pin" data-host="${esc(h.name)}" data-name="${esc(m.name)}">Pin</button>`
  }</div></td></tr>`;
}

function hostSection(h: Host, s: Status): string {
  const up = h.reachable !== false;
  const head = `<h2>${esc(h.name)} <span class="muted">${esc(h.kind)}${h.url ? ` · ${esc(h.url)}` : ''}</span> <span class="tag ${up ? 'ok' : 'warn'}">${up ? 'up' : 'down'}</span></h2>`;
  if (h.managesMemory === false) return `<section class="card" data-host="${esc(h.name)}">${head}<p class="muted">${h.requestsRunning ?? 0} request(s) in flight · it loads and unloads its models itself, so no memory is planned there</p>${h.error ? `<p class="warn">${esc(h.error)}</p>` : ''}</section>`;
  const loaded = h.loaded ?? [];
  const cap = h.capacity ?? { kind: 'unknown' };
  const primary = h.name === 'ollama' ? s.memory : undefined;
  const ram = cap.ramTotalBytes ? bar('RAM', cap.ramTotalBytes, loaded.map((m) => ({ name: m.name, bytes: Math.max(0, m.sizeBytes - m.vramBytes) })), primary?.budgetBytes, primary?.headroomBytes) : '';
  const vram = cap.vramTotalBytes ? bar('VRAM', cap.vramTotalBytes, loaded.map((m) => ({ name: m.name, bytes: m.vramBytes }))) : '';
  const table = loaded.length
    ? `<div class="scroll"><table><thead><tr><th>model</th><th class="num">size</th><th class="num opt">VRAM</th><th class="num">keep-alive</th><th class="num opt">metrics</th><th></th></tr></thead><tbody>${loaded
        .map((m) => modelRow(h, m, s.metrics[m.name]))
        .join('')}</tbody></table></div>`
    : '<p class="muted">No model loaded.</p>';
  const limit = h.kind === 'llamacpp' ? ` · ${h.router ? `at most ${h.modelsMax ?? '?'} models loaded` : 'one model, read only'}` : '';
  return `<section class="card" data-host="${esc(h.name)}">${head}<p class="muted">${h.requestsRunning ?? 0} request(s) in flight${limit}${cap.note ? ` · ${esc(cap.note)}` : ''}</p>${h.error ? `<p class="warn">${esc(h.error)}</p>` : ''}${ram}${vram}${table}${routerModels(h)}</section>`;
}

/** A llama.cpp router's models that are not loaded, with their status (unloaded, loading, failed) and memory. */
function routerModels(h: Host): string {
  const rest = (h.models ?? []).filter((m) => m.status !== 'loaded');
  if (!rest.length) return '';
  return `<p class="muted" data-router-models>${rest.map((m) => `${esc(m.name)} <span class="tag${m.status === 'failed' ? ' warn' : ''}">${esc(m.status)}</span> ${m.sizeSource === 'unknown' ? 'size unknown' : bytes(m.sizeBytes)}`).join(' · ')}</p>`;
}

/** Tokens per second as people read them: one decimal below 10, whole above. */
const tps = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : String(Math.round(x))) : '—');

function metricsTable(s: Status): string {
  const rows = Object.entries(s.metrics);
  if (!rows.length) return '';
  return `<section class="card"><h2>Per-model metrics</h2><div class="scroll"><table><thead><tr><th>model</th><th class="num">requests</th><th class="num">failures</th><th class="num">tok/s</th><th class="num opt">latency</th><th class="num opt">load</th></tr></thead><tbody>${rows
    .map(([name, m]) => `<tr><td>${esc(name)}</td><td class="num">${m.requests}</td><td class="num">${m.failures}</td><td class="num">${tps(m.avgTokensPerSecond)}</td><td class="num opt">${secs(m.avgLatencyMs)}</td><td class="num opt">${secs(m.avgLoadMs)}</td></tr>`)
    .join('')}</tbody></table></div></section>`;
}

/** Saved tokens and money, in the warning colour when offloading cost more than it saved. */
function saved(x: Sums, currency: string, priced: boolean): string {
  const cls = (priced ? x.savedMoney : x.savedTokens) < 0 ? 'warn' : 'ok';
  return `<span class="${cls}">${formatTokens(x.savedTokens)} tokens${priced ? ` · ${formatMoney(x.savedMoney, currency)}` : ''}</span>`;
}

function savingsPanel(s: Status): string {
  const v = s.savings;
  if (!v) return '';
  const head = '<h2>Saved <span class="muted">by offloading to local models</span></h2>';
  if (v.total.calls === 0) return `<section class="card" data-panel="saved">${head}<p class="muted">No offloaded call recorded yet.</p></section>`;
  const priced = v.prices.inputPerMillion + v.prices.outputPerMillion > 0;
  const calls = (n: number) => `${n} call${n === 1 ? '' : 's'}`;
  const line = (x: Sums) => (x.calls ? `${saved(x, v.prices.currency, priced)} <span class="muted">over ${calls(x.calls)} · cost you ${formatTokens(x.call.in + x.call.out)}, yourself ${formatTokens(x.self.in + x.self.out)}</span>` : '<span class="muted">nothing yet</span>');
  const rows = v.byModel
    .map((m) => `<tr data-saved-model="${esc(m.model)}"><td>${esc(m.model)}</td><td class="num">${m.calls}</td><td class="num">${saved(m, v.prices.currency, priced)}</td><td class="num opt">${formatTokens(m.call.in + m.call.out)}</td><td class="num opt">${formatTokens(m.self.in + m.self.out)}</td></tr>`)
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
  const off = l.on ? '' : '<p class="warn" data-learning-off>Learning is off (model.routing.learning): routing does not use these records.</p>';
  const records = Array.isArray(l.records) ? l.records : [];
  if (!records.length) return `<section class="card" data-panel="learning">${head}${off}<p class="muted" data-learning-empty>none yet — rate_answer adds verdicts</p></section>`;
  const byWork = new Map<string, Learning['records']>();
  for (const r of records) {
    const work = String(r.work);
    byWork.set(work, [...(byWork.get(work) ?? []), r]);
  }
  const row = (r: Learning['records'][number]) => {
    const pct = percent(r.record?.meanQuality);
    const spread = percent(r.record?.uncertainty);
    const quality = pct
      ? `<span class="qbar" aria-hidden="true"><span style="width:${pct}"></span></span><span data-quality>${pct}</span>${spread ? ` <span class="muted spread">±${spread}</span>` : ''}`
      : '—';
    const speed = typeof r.record?.tokensPerSecond === 'number' && Number.isFinite(r.record.tokensPerSecond) ? ` · ${Math.round(r.record.tokensPerSecond)} tok/s` : '';
    return `<tr data-record-model="${esc(String(r.model))}"><td>${esc(String(r.model))}${r.host ? ` <span class="muted">on ${esc(String(r.host))}</span>` : ''}</td><td class="num quality" title="expected quality">${quality}</td><td>${esc(String(r.record?.summary ?? ''))}${speed}</td></tr>`;
  };
  const groups = [...byWork]
    .map(([work, rs]) => `<tbody data-work="${esc(work)}"><tr><th colspan="3" scope="rowgroup">${esc(work)}</th></tr>${rs.map(row).join('')}</tbody>`)
    .join('');
  return `<section class="card" data-panel="learning">${head}${off}<div class="scroll"><table class="records"><thead><tr><th>model</th><th class="num">expected quality</th><th>record</th></tr></thead>${groups}</table></div></section>`;
}

function render(r: ToolResult): void {
  const s = r.structuredContent as Status | undefined;
  if (r.isError || !s?.hosts) {
    $('#note').innerHTML = `<span class="warn">${esc(textOf(r) || 'No status.')}</span>`;
    return;
  }
  const focused = (document.activeElement as HTMLElement | null)?.dataset;
  const refocus = focused?.act ? `button[data-act="${focused.act}"][data-name="${CSS.escape(focused.name ?? '')}"]` : undefined;
  $('#hosts').innerHTML = s.hosts.map((h) => hostSection(h, s)).join('') + metricsTable(s) + savingsPanel(s) + learningPanel(s);
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
    const r = what === 'unload' ? await bridge.callTool('unload_model', { model: name, host }) : await bridge.callTool('smart_load', { model: name, host, pin: true });
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
  for (const td of document.querySelectorAll<HTMLElement>('td[data-expires]')) td.textContent = countdown(td.dataset.expires || undefined, Boolean(td.dataset.forever));
}, 1000);
