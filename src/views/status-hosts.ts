/**
 * The monitor's host sections (status-view.ts): each host with its RAM and VRAM as bars (each loaded
 * model's share, the budget, the headroom left), its loaded models with pins, keep-alive countdowns
 * and requests in flight, and buttons to unload or pin one. An engine another ollm-mcp of this user
 * plans is shown as that server shows it, with its process named (issue 75, finding 8). Plain HTML
 * from the status, nothing of the page touched: tested as it is (test/unit/status-hosts.test.ts).
 */
import { bytes, countdown, esc } from './ui.js';

interface Loaded {
  name: string;
  sizeBytes: number;
  vramBytes: number;
  expiresAt?: string;
  keptForever?: boolean;
  pinned?: boolean;
  requestsRunning?: number;
}
export interface Host {
  name: string;
  kind: 'ollama' | 'llamacpp' | 'openai' | 'ollm';
  url?: string;
  reachable?: boolean;
  managesMemory?: boolean;
  error?: string;
  router?: boolean;
  modelsMax?: number;
  models?: Array<{ name: string; status: string; sizeBytes: number; sizeSource: string }>;
  capacity?: {
    kind: string;
    note?: string;
    ramTotalBytes?: number;
    ramAvailableBytes?: number;
    vramTotalBytes?: number;
    vramFreeBytes?: number;
  };
  loaded?: Loaded[];
  requestsRunning?: number;
  /** Another ollm-mcp of this user plans it (its process); `memory` is that server's budget for it. */
  plannedBy?: number;
  memory?: { budgetBytes: number; headroomBytes: number };
}
export interface Metric {
  requests: number;
  failures: number;
  avgLatencyMs: number;
  avgTokensPerSecond: number;
  avgLoadMs: number;
  lastUsed: string;
}
/** What a host section reads of the whole status: the per-model metrics, and this server's memory budget. */
interface Status {
  metrics: Record<string, Metric>;
  memory?: { budgetBytes: number; headroomBytes: number };
}

const COLORS = ['var(--m1)', 'var(--m2)', 'var(--m3)', 'var(--m4)', 'var(--m5)'];

function bar(
  label: string,
  total: number,
  parts: Array<{ name: string; bytes: number }>,
  budget?: number,
  headroom?: number,
): string {
  const pct = (n: number) => `${Math.max(0, Math.min(100, (n / total) * 100)).toFixed(2)}%`;
  const used = parts.reduce((n, p) => n + p.bytes, 0);
  const segs = parts
    .map(
      (p, i) =>
        `<span style="width:${pct(p.bytes)};background:${COLORS[i % COLORS.length]}" ` +
        `title="${esc(p.name)}: ${bytes(p.bytes)}"></span>`,
    )
    .join('');
  const mark =
    budget !== undefined && budget < total
      ? `<span class="budget" style="left:${pct(budget)}" title="budget ${bytes(budget)}"></span>`
      : '';
  const legend = parts
    .map(
      (p, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(p.name)} ${bytes(p.bytes)}</span>`,
    )
    .join('');
  const free =
    headroom === undefined
      ? `free ${bytes(total - used)}`
      : headroom < 0
        ? 'headroom for one more model unknown'
        : headroom === 0
          ? 'no headroom for one more model'
          : `headroom for one more model ${bytes(headroom)}`; // -1: unknown, never shown as bytes
  const usedWords = `${bytes(used)} of ${bytes(total)} used by models`;
  const budgetWords = budget !== undefined ? ` · budget ${bytes(budget)}` : '';
  return (
    `<div class="mem" data-bar="${label}"><div class="row"><strong>${label}</strong>` +
    `<span class="muted">${usedWords} · ${free}${budgetWords}</span></div>\n` +
    `<div class="bar" role="img" aria-label="${label}: ${usedWords}">${segs}${mark}</div>` +
    `<div class="legend">${legend}</div></div>`
  );
}

function modelRow(h: Host, m: Loaded, metrics: Metric | undefined): string {
  const running = m.requestsRunning ? `<span class="tag warn">${m.requestsRunning} running</span>` : '';
  const flags = `${m.pinned ? '<span class="tag">pinned</span>' : ''}${running}`;
  const on = `data-host="${esc(h.name)}" data-name="${esc(m.name)}"`;
  const pin = m.pinned ? '' : `<button type="button" data-act="pin" ${on}>Pin</button>`;
  const figures = metrics ? `${tps(metrics.avgTokensPerSecond)} tok/s · ${metrics.requests} req` : '—';
  return (
    `<tr data-model="${esc(m.name)}"><td>${esc(m.name)}${flags}</td><td class="num">${bytes(m.sizeBytes)}</td>` +
    `<td class="num opt">${bytes(m.vramBytes)}</td>\n` +
    `<td class="num" data-expires="${esc(m.expiresAt ?? '')}" data-forever="${m.keptForever ? 1 : ''}">` +
    `${countdown(m.expiresAt, m.keptForever)}</td>\n<td class="num opt">${figures}</td>\n` +
    `<td><div class="row"><button type="button" data-act="unload" ${on}>Unload</button>${pin}</div></td></tr>`
  );
}

export function hostSection(h: Host, s: Status): string {
  const up = h.reachable !== false;
  const where = `${esc(h.kind)}${h.url ? ` · ${esc(h.url)}` : ''}`;
  const state = `<span class="tag ${up ? 'ok' : 'warn'}">${up ? 'up' : 'down'}</span>`;
  const head = `<h2>${esc(h.name)} <span class="muted">${where}</span> ${state}</h2>`;
  const error = h.error ? `<p class="warn">${esc(h.error)}</p>` : '';
  const flight = `${h.requestsRunning ?? 0} request(s) in flight`;
  const itself =
    h.plannedBy !== undefined
      ? `<span data-planned-by>planned by ollm-mcp process ${Number(h.plannedBy)}</span>, whose status is not read now`
      : 'it loads and unloads its models itself, so no memory is planned there';
  if (h.managesMemory === false)
    return (
      `<section class="card" data-host="${esc(h.name)}">${head}<p class="muted">${flight} · ${itself}</p>${error}` +
      '</section>'
    );
  const loaded = h.loaded ?? [];
  const cap = h.capacity ?? { kind: 'unknown' };
  // the budget of whoever plans it: this server's for its ollama.host, the planning server's for one planned there
  const primary = h.plannedBy !== undefined ? h.memory : h.name === 'ollama' ? s.memory : undefined;
  const ram = cap.ramTotalBytes
    ? bar(
        'RAM',
        cap.ramTotalBytes,
        loaded.map((m) => ({ name: m.name, bytes: Math.max(0, m.sizeBytes - m.vramBytes) })),
        primary?.budgetBytes,
        primary?.headroomBytes,
      )
    : '';
  const vram = cap.vramTotalBytes
    ? bar(
        'VRAM',
        cap.vramTotalBytes,
        loaded.map((m) => ({ name: m.name, bytes: m.vramBytes })),
      )
    : '';
  const columns =
    '<th>model</th><th class="num">size</th><th class="num opt">VRAM</th><th class="num">keep-alive</th>' +
    '<th class="num opt">metrics</th><th></th>';
  const rows = loaded.map((m) => modelRow(h, m, s.metrics[m.name])).join('');
  const table = loaded.length
    ? `<div class="scroll"><table><thead><tr>${columns}</tr></thead><tbody>${rows}</tbody></table></div>`
    : '<p class="muted">No model loaded.</p>';
  const limit =
    h.kind === 'llamacpp'
      ? ` · ${h.router ? `at most ${h.modelsMax ?? '?'} models loaded` : 'one model, read only'}`
      : '';
  const by =
    h.plannedBy !== undefined
      ? ` · <span data-planned-by>planned by ollm-mcp process ${Number(h.plannedBy)}</span>`
      : '';
  const note = cap.note ? ` · ${esc(cap.note)}` : '';
  return (
    `<section class="card" data-host="${esc(h.name)}">${head}<p class="muted">${flight}${by}${limit}${note}</p>` +
    `${error}${ram}${vram}${table}${routerModels(h)}</section>`
  );
}

/** A llama.cpp router's models that are not loaded, with their status (unloaded, loading, failed) and memory. */
function routerModels(h: Host): string {
  const rest = (h.models ?? []).filter((m) => m.status !== 'loaded');
  if (!rest.length) return '';
  const each = (m: (typeof rest)[number]) =>
    `${esc(m.name)} <span class="tag${m.status === 'failed' ? ' warn' : ''}">${esc(m.status)}</span> ` +
    (m.sizeSource === 'unknown' ? 'size unknown' : bytes(m.sizeBytes));
  return `<p class="muted" data-router-models>${rest.map(each).join(' · ')}</p>`;
}

/** Tokens per second as people read them: one decimal below 10, whole above. */
export const tps = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : String(Math.round(x))) : '—');
