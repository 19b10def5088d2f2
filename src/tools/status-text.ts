/**
 * show_status in words: each host's line (its memory, loaded models, router, the engine's own load,
 * who plans it), the savings, the agents and the track records — what the tool's text says
 * (show-status.ts) and the tests read.
 */
import {
  evidenceByWork,
  parseEvidenceKey,
  trackRecord,
  type EvidenceBook,
  type WorkRecord,
} from '../orchestrator/generation/learning.js';
import { formatMoney, formatTokens, type SavingsSummary, type SavingsSums } from '../orchestrator/index.js';
import type { AgentRecord } from '../orchestrator/stores/agents.js';
import { downLines } from '../orchestrator/fleet/fleet-reads.js';
import type { FleetStatus } from '../presenting/fleet.js';
import { byCodeUnit } from '../orchestrator/util/locale-free.js';

const gb = (n: number | undefined) => (n === undefined ? '?' : `${(n / 1e9).toFixed(1)} GB`);

function countdown(iso: string | undefined, forever: boolean | undefined): string {
  if (forever || !iso) return 'kept loaded';
  const left = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (left > 365 * 86400) return 'kept loaded';
  return left <= 0 ? 'unloading' : left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s left` : `${left} s left`;
}

/** A llama.cpp router's other models, with their status and memory, and its limit. */
function routerLine(
  models: ReadonlyArray<{ name: string; status: string; sizeBytes: number; sizeSource: string }>,
  router: boolean | undefined,
  max: number | undefined,
): string {
  const rest = models.filter((m) => m.status !== 'loaded');
  const each = rest
    .map((m) => `${m.name} (${m.status}, ${m.sizeSource === 'unknown' ? 'size unknown' : gb(m.sizeBytes)})`)
    .join(', ');
  return `\n- ${router ? `router: at most ${max} loaded` : 'one model, read only'}${each ? `; also ${each}` : ''}`;
}

/**
 * "; the engine counts 3 running, 1 waiting (every client's), KV cache 42%": its own figures, where it
 * publishes them.
 */
function engineWords(h: { engineLoad?: { running: number; waiting: number; kvCache?: number } }): string {
  const l = h.engineLoad;
  if (!l) return '';
  return (
    `; the engine counts ${l.running} running, ${l.waiting} waiting (every ` +
    `client's)${l.kvCache !== undefined ? `, KV cache ${Math.round(l.kvCache * 100)}%` : ''}`
  );
}

/** "planned by ollm-mcp process N…; ": an engine another server of this user plans, shown as that server shows it. */
function plannedWords(h: object): string {
  if (!('plannedBy' in h) || h.plannedBy === undefined) return '';
  const its = '(loads, pins, unloads are its, asked there from here)';
  return `planned by ollm-mcp process ${String(h.plannedBy)}, which claimed this engine first on this machine ${its}; `;
}

/** "Ollama 0.35.1, " for the host's header, and a short line when that release has known holes. */
function releaseWords(h: object): { name: string; holes: string } {
  const name = 'engineVersion' in h && typeof h.engineVersion === 'string' ? `${h.engineVersion}, ` : '';
  const k = 'knownHoles' in h ? (h.knownHoles as { ids: string[]; fix: string } | undefined) : undefined;
  return { name, holes: k ? `\n- known holes: ${k.ids.join(', ')}; ${k.fix}` : '' };
}

/** One paragraph per host: reachable or not, memory, then each loaded model with its pin, keep-alive and requests. */
export function renderStatus(fleet: FleetStatus, room: string): string {
  return fleet.hosts
    .map((h) => {
      const release = releaseWords(h);
      if (!h.reachable)
        return (
          downLines(fleet.unreachable?.filter((d) => d.name === h.name) ?? []).join('') || `${h.name}: not reachable.`
        );
      if (!h.managesMemory && 'plannedBy' in h && h.plannedBy !== undefined)
        return (
          `${h.name} (${release.name}${h.url}): up; planned by ollm-mcp process ${h.plannedBy}, which claimed this ` +
          `engine first on this machine (loads, pins, unloads are its); ${h.requestsRunning} ` +
          `request(s) from here in flight.${release.holes}`
        );
      if (!h.managesMemory && h.kind === 'ollm')
        return (
          `${h.name} (ollm-mcp, ${h.url}): up; that server plans its own memory (loads, pins, ` +
          `unloads, turns between its callers); ${h.requestsRunning} request(s) from here in flight.`
        );
      if (!h.managesMemory)
        return (
          `${h.name} (OpenAI-compatible, ${h.url}): up; it loads and unloads its models itself, so no ` +
          `memory is planned there; ${h.requestsRunning} request(s) in flight${engineWords(h)}.`
        );
      const mem =
        `RAM ${gb(h.capacity.ramAvailableBytes)} free of ` +
        `${gb(h.capacity.ramTotalBytes)}${h.capacity.vramTotalBytes ? `, VRAM ${gb(h.capacity.vramTotalBytes)}` : ''}`;
      // what one more model may take, never a negative figure as bytes (presenting/room.ts)
      const budget = h.name === 'ollama' ? `; ${room}` : '';
      const models = h.loaded.length
        ? h.loaded
            .map(
              (m) =>
                `- ${m.name}: ${gb(m.sizeBytes)}${m.pinned ? ', pinned' : ''}, ` +
                `${countdown(m.expiresAt, m.keptForever)}${m.requestsRunning ? `, ${m.requestsRunning} running` : ''}${m.extraCopy ? `; a second copy, loaded because ${m.extraCopy.why}, unloaded after ${m.extraCopy.releasedAfterIdleSeconds} s without a request` : ''}`,
            )
            .join('\n')
        : '- no model loaded';
      const router = 'models' in h && h.models ? routerLine(h.models, h.router, h.modelsMax) : '';
      const learned =
        `\n- memory figures: ` +
        `${h.learnedSizes.length ? `${h.learnedSizes.map((l) => `${l.model} ${l.figure}`).join('; ')}; others estimated` : 'estimated (no load observed here yet)'}`;
      const where = `${h.name} (${release.name}${h.url}): ${plannedWords(h)}`;
      const flight = `${h.requestsRunning} request(s) in flight${engineWords(h)}`;
      return `${where}${mem}${budget}; ${flight}.${release.holes}\n${models}${router}${learned}`;
    })
    .concat(
      fleet.fallback
        ? [
            `cloud fallback (${fleet.fallback.url}): ` +
              `${fleet.fallback.ok ? 'answers' : `not answering: ${fleet.fallback.detail}`}; asked last, ` +
              `when every local engine failed.`,
          ]
        : [],
    )
    .join('\n\n');
}

/** What offloading saved: in all and today, in tokens and money (honest when it cost more). */
export function renderSavings(s: Omit<SavingsSummary, 'byAgent'>): string {
  const priced = s.prices.inputPerMillion + s.prices.outputPerMillion > 0;
  const phrase = (x: SavingsSums) => {
    if (x.calls === 0) return 'no offloaded call';
    const calls = `${x.calls} call${x.calls === 1 ? '' : 's'}`;
    if ((priced ? x.savedMoney : x.savedTokens) < 0)
      return (
        `nothing — ` +
        `${priced ? `≈ ${formatMoney(-x.savedMoney, s.prices.currency)}` : `~${formatTokens(-x.savedTokens)} tokens`} ` +
        `more spent than doing the work yourself, over ${calls}`
      );
    return (
      `~${formatTokens(x.savedTokens)} ` +
      `tokens${priced ? ` (≈ ${formatMoney(x.savedMoney, s.prices.currency)})` : ''} over ${calls}`
    );
  };
  if (s.total.calls === 0) return 'Saved by offloading to local models: nothing yet (no offloaded call recorded).';
  return `Saved by offloading to local models: in all ${phrase(s.total)}; today ${phrase(s.today)}.`;
}

export type Learning = {
  on: boolean;
  records: Array<{ model: string; host?: string; work: string; record: WorkRecord }>;
};

/** Every model's record by kind of work, the best expected quality first. */
export function learningRecords(book: EvidenceBook): Learning['records'] {
  const out: Learning['records'] = [];
  for (const key of Object.keys(book)) {
    const place = parseEvidenceKey(key);
    const record = trackRecord(evidenceByWork(book, place.model, place.host))[place.work];
    if (record) out.push({ model: place.model, ...(place.host && { host: place.host }), work: place.work, record });
  }
  return out.sort((a, b) => byCodeUnit(a.work, b.work) || b.record.meanQuality - a.record.meanQuality);
}

/** The most track records in the text; the rest are counted (all that fit are in learning.records). */
const RECORDS_SHOWN = 20;

export function renderLearning(l: Learning): string {
  if (l.records.length === 0) return 'Track records: none yet (rate_answer adds verdicts on answers).';
  const lines = l.records
    .slice(0, RECORDS_SHOWN)
    .map((r) => `- ${r.work}: ${r.model}${r.host ? ` on ${r.host}` : ''} — ${r.record.summary}`);
  const more =
    l.records.length > RECORDS_SHOWN ? [`(${l.records.length - RECORDS_SHOWN} more in learning.records)`] : [];
  return [`Track records${l.on ? '' : ' (learning is off: model.routing.learning)'}:`, ...lines, ...more].join('\n');
}

/**
 * What an agent's offloading saved, or — hand-overs and follow-ups costing more than the work saved — what it
 * cost (issue 75, finding 11: never "saved ~-449").
 */
function savedWords(a: Pick<AgentRecord, 'savedTokens' | 'savedMoney'>, currency: string): string {
  const money = (v: number) => (v ? ` (≈ ${formatMoney(v, currency)})` : '');
  if (a.savedTokens >= 0) return `saved ~${formatTokens(a.savedTokens)} tokens${money(a.savedMoney)}`;
  return `cost ~${formatTokens(-a.savedTokens)} tokens more than it saved${money(-a.savedMoney)}`;
}

/** One line per agent, the busiest first: its calls, the local tokens its work took, what it saved, its verdicts. */
export function renderAgents(agents: readonly AgentRecord[], total: number, currency: string): string {
  if (agents.length === 0) return 'Agents: none recorded yet.';
  const lines = agents.map((a) => {
    const failed = a.failed ? ` (${a.failed} failed)` : '';
    const work = a.offloaded
      ? `; ${a.offloaded} offloaded, ${formatTokens(a.promptTokens)} in / ` +
        `${formatTokens(a.outputTokens)} out tokens, ${savedWords(a, currency)}`
      : '';
    const verdicts = a.good + a.bad ? `; verdicts ${a.good} good, ${a.bad} bad` : '';
    return `- ${a.agent}: ${a.requests} call${a.requests === 1 ? '' : 's'}${failed}${work}${verdicts}`;
  });
  return [
    'Agents:',
    ...lines,
    ...(total > agents.length ? [`(${total - agents.length} more in ollm://metrics)`] : []),
  ].join('\n');
}
