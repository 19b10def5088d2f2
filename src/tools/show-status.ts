import { roomText } from '../presenting/room.js';
import * as z from 'zod';
import {
  evidenceByWork,
  parseEvidenceKey,
  trackRecord,
  type EvidenceBook,
  type WorkRecord,
} from '../orchestrator/generation/learning.js';
import { workRecordSchema } from './schemas.js';
import { defineTool } from './define.js';
import { viewMeta } from '../views/index.js';
import {
  footprint,
  footprintLine,
  formatMoney,
  formatTokens,
  type SavingsSummary,
  type SavingsSums,
} from '../orchestrator/index.js';
import type { AgentRecord } from '../orchestrator/stores/agents.js';
import { offeredList } from '../presenting/footprint.js';
import { ownerOf } from './long-call.js';
import { downLines } from '../orchestrator/fleet/fleet-reads.js';
import { boundedFleet, clientsLine, withClientLimits, type FleetStatus } from '../presenting/fleet.js';
import { MAX_ANSWER_CHARS, boundList, cutSchema } from '../presenting/answer-bounds.js';
import { byCodeUnit } from '../orchestrator/util/locale-free.js';
import { JobError, noJobText, type LongWork } from '../orchestrator/jobs/long-work.js';
import { agentSchema, AGENTS_SHOWN, clientSchema, fallbackSchema, savingsSchema } from './status-schemas.js';
import { collectJob } from './job-follow-up.js';
import { jobSchema } from './long-call.js';

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

/** "; the engine counts 3 running, 1 waiting (every client's), KV cache 42%": its own figures, where it publishes them. */
function engineWords(h: { engineLoad?: { running: number; waiting: number; kvCache?: number } }): string {
  const l = h.engineLoad;
  if (!l) return '';
  return `; the engine counts ${l.running} running, ${l.waiting} waiting (every client's)${l.kvCache !== undefined ? `, KV cache ${Math.round(l.kvCache * 100)}%` : ''}`;
}

/** "planned by ollm-mcp process N…; ": an engine another server of this user plans, shown as that server shows it. */
function plannedWords(h: object): string {
  if (!('plannedBy' in h) || h.plannedBy === undefined) return '';
  const its = '(loads, pins, unloads are its, asked there from here)';
  return `planned by ollm-mcp process ${String(h.plannedBy)}, which claimed this engine first on this machine ${its}; `;
}

/** One paragraph per host: reachable or not, memory, then each loaded model with its pin, keep-alive and requests. */
export function renderStatus(fleet: FleetStatus, room: string): string {
  return fleet.hosts
    .map((h) => {
      if (!h.reachable)
        return (
          downLines(fleet.unreachable?.filter((d) => d.name === h.name) ?? []).join('') || `${h.name}: not reachable.`
        );
      if (!h.managesMemory && 'plannedBy' in h && h.plannedBy !== undefined)
        return `${h.name} (${h.url}): up; planned by ollm-mcp process ${h.plannedBy}, which claimed this engine first on this machine (loads, pins, unloads are its); ${h.requestsRunning} request(s) from here in flight.`;
      if (!h.managesMemory && h.kind === 'ollm')
        return `${h.name} (ollm-mcp, ${h.url}): up; that server plans its own memory (loads, pins, unloads, turns between its callers); ${h.requestsRunning} request(s) from here in flight.`;
      if (!h.managesMemory)
        return `${h.name} (OpenAI-compatible, ${h.url}): up; it loads and unloads its models itself, so no memory is planned there; ${h.requestsRunning} request(s) in flight${engineWords(h)}.`;
      const mem = `RAM ${gb(h.capacity.ramAvailableBytes)} free of ${gb(h.capacity.ramTotalBytes)}${h.capacity.vramTotalBytes ? `, VRAM ${gb(h.capacity.vramTotalBytes)}` : ''}`;
      const budget = h.name === 'ollama' ? `; ${room}` : ''; // what one more model may take, never a negative figure as bytes (presenting/room.ts)
      const models = h.loaded.length
        ? h.loaded
            .map(
              (m) =>
                `- ${m.name}: ${gb(m.sizeBytes)}${m.pinned ? ', pinned' : ''}, ${countdown(m.expiresAt, m.keptForever)}${m.requestsRunning ? `, ${m.requestsRunning} running` : ''}${m.extraCopy ? `; a second copy, loaded because ${m.extraCopy.why}, unloaded after ${m.extraCopy.releasedAfterIdleSeconds} s without a request` : ''}`,
            )
            .join('\n')
        : '- no model loaded';
      const router = 'models' in h && h.models ? routerLine(h.models, h.router, h.modelsMax) : '';
      const learned = `\n- memory figures: ${h.learnedSizes.length ? `${h.learnedSizes.map((l) => `${l.model} ${l.figure}`).join('; ')}; others estimated` : 'estimated (no load observed here yet)'}`;
      const where = `${h.name} (${h.kind === 'llamacpp' ? 'llama.cpp, ' : ''}${h.url}): ${plannedWords(h)}`;
      const flight = `${h.requestsRunning} request(s) in flight${engineWords(h)}`;
      return `${where}${mem}${budget}; ${flight}.\n${models}${router}${learned}`;
    })
    .concat(
      fleet.fallback
        ? [
            `cloud fallback (${fleet.fallback.url}): ${fleet.fallback.ok ? 'answers' : `not answering: ${fleet.fallback.detail}`}; asked last, when every local engine failed.`,
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
      return `nothing — ${priced ? `≈ ${formatMoney(-x.savedMoney, s.prices.currency)}` : `~${formatTokens(-x.savedTokens)} tokens`} more spent than doing the work yourself, over ${calls}`;
    return `~${formatTokens(x.savedTokens)} tokens${priced ? ` (≈ ${formatMoney(x.savedMoney, s.prices.currency)})` : ''} over ${calls}`;
  };
  if (s.total.calls === 0) return 'Saved by offloading to local models: nothing yet (no offloaded call recorded).';
  return `Saved by offloading to local models: in all ${phrase(s.total)}; today ${phrase(s.today)}.`;
}

type Learning = { on: boolean; records: Array<{ model: string; host?: string; work: string; record: WorkRecord }> };

/** Every model's record by kind of work, the best expected quality first. */
function learningRecords(book: EvidenceBook): Learning['records'] {
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

function renderLearning(l: Learning): string {
  if (l.records.length === 0) return 'Track records: none yet (rate_answer adds verdicts on answers).';
  const lines = l.records
    .slice(0, RECORDS_SHOWN)
    .map((r) => `- ${r.work}: ${r.model}${r.host ? ` on ${r.host}` : ''} — ${r.record.summary}`);
  const more =
    l.records.length > RECORDS_SHOWN ? [`(${l.records.length - RECORDS_SHOWN} more in learning.records)`] : [];
  return [`Track records${l.on ? '' : ' (learning is off: model.routing.learning)'}:`, ...lines, ...more].join('\n');
}

/** What an agent's offloading saved, or — hand-overs and follow-ups costing more than the work saved — what it cost (issue 75, finding 11: never "saved ~-449"). */
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
      ? `; ${a.offloaded} offloaded, ${formatTokens(a.promptTokens)} in / ${formatTokens(a.outputTokens)} out tokens, ${savedWords(a, currency)}`
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

/** One of the agent's jobs cancelled at its ask (cancelJob), in a line; a JobError, saying what to do, when it cannot be (never "a bug"). */
async function cancelOwnJob(jobs: Pick<LongWork, 'stop'>, agent: string, id: string): Promise<string> {
  const out = await jobs.stop(agent, id);
  if (!out) throw new JobError(noJobText(id));
  if (out.kind === 'cancelled')
    return `Job ${id} cancelled: its engine requests are stopped; the same call again starts anew.`;
  if (out.kind === 'ended') return `Job ${id} had already ended (${out.state}): nothing to cancel.`;
  throw new JobError(
    `Job ${id} runs in another ollm-mcp server (pid ${out.runner}, other settings or another build), which alone can stop it: it ends by itself, or when that server stops.`,
  );
}

/** A quarter of the answer for each list that grows: hosts' model lists, per-model metrics, track records, savings by model. */
const SHARE = MAX_ANSWER_CHARS / 4;

export const showStatusTool = defineTool({
  name: 'show_status',
  title: 'Fleet and memory status',
  description: 'Hosts, memory, models, jobs, metrics, savings.',
  inputSchema: z.object({
    cancelJob: z.string().min(1).max(200).optional(),
    job: z.string().min(1).max(200).optional(),
  }),
  // with `job`: that job alone (job-follow-up.ts), none of the status fields
  outputSchema: z.object({
    job: jobSchema.optional().describe('show_status {job}: the job asked for'),
    result: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("show_status {job}, the job done: its tool's own structured result"),
    hosts: z.array(z.record(z.string(), z.unknown())).optional().describe('as ollm://fleet'),
    unreachable: z
      .array(z.object({ name: z.string(), url: z.string(), error: z.string(), next: z.string() }))
      .optional()
      .describe('Ollama hosts that do not answer, with what to do'),
    fallback: fallbackSchema.optional().describe('the cloud fallback, when settings have one: whether it answers'),
    clients: z
      .array(clientSchema)
      .optional()
      .describe('from the shared server of every stdio client: each client connected to it'),
    notes: z
      .array(z.string())
      .optional()
      .describe('what happened since the last answer, e.g. a pinned model loaded again'),
    cut: z
      .record(z.string(), cutSchema)
      .optional()
      .describe('by list (metrics, learning, byModel): what was cut to keep the answer short'),
    memory: z
      .object({
        budgetBytes: z.number(),
        headroomBytes: z.number(),
        loadedBytes: z.number(),
        totalBytes: z.number(),
        availableBytes: z.number(),
      })
      .optional(),
    metrics: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .optional()
      .describe('per model, as ollm://metrics'),
    agents: z
      .array(agentSchema)
      .optional()
      .describe(
        `per agent (client), the busiest ${AGENTS_SHOWN}: calls, local tokens, what it saved, verdicts; ollm://metrics has every one`,
      ),
    savings: savingsSchema.optional(),
    jobs: z
      .array(
        z.object({
          id: z.string(),
          tool: z.string(),
          state: z.string(),
          partsDone: z.number(),
          progress: z.string().optional(),
          since: z.string(),
        }),
      )
      .optional()
      .describe(
        "the calling agent's long calls handed over before its limit, newest first: show_status {job: id} collects one",
      ),
    learning: z
      .object({
        on: z.boolean().describe('model.routing.learning: whether routing uses the records'),
        records: z.array(
          z.object({ model: z.string(), host: z.string().optional(), work: z.string(), record: workRecordSchema }),
        ),
      })
      .optional()
      .describe(
        "each model's track record here by kind of work, which routing learns from (rate_answer adds verdicts)",
      ),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false }, // not read-only: cancelJob stops one of the agent's own jobs
  meta: viewMeta('status'),
  async run(input, ctx) {
    const { orch, agent } = ctx;
    if (input.job !== undefined && input.cancelJob !== undefined)
      throw new JobError('Give show_status either job (to collect it) or cancelJob (to stop it), not both.');
    if (input.job !== undefined) return collectJob(ctx, input.job);
    // a cancel is answered with the cancel alone (issue 75, finding 2), not the whole status
    if (input.cancelJob !== undefined) {
      const stopped = await cancelOwnJob(orch.longWork, ownerOf({ agent, orch }), input.cancelJob);
      return { structured: { notes: [stopped] }, text: stopped };
    }
    const asked = orch.fleetStatus({ relayed: ctx.relayed === true }); // relayed: no other server asked in turn
    const [status, ram, book, ownJobs] = await Promise.all([
      asked,
      orch.ramStatus(),
      orch.outcomes.load(),
      orch.longWork.list(ownerOf({ agent, orch })),
      orch.savings.load(),
      orch.agents.load(),
    ]);
    const jobs = ownJobs
      .filter((j) => j.handed || j.state === 'running')
      .map((j) => ({
        id: j.id,
        tool: j.tool,
        state: j.state,
        partsDone: j.partsDone,
        ...(j.progress !== undefined && { progress: j.progress }),
        since: new Date(j.createdAt).toISOString(),
      }));
    const fleet = withClientLimits(boundedFleet(status, SHARE), orch.config.settings);
    const records = boundList(learningRecords(book), {
      maxChars: SHARE,
      noun: ['track record', 'track records'],
      rest: '`npx ollm-mcp learning show` lists every one.',
    });
    const learning = { on: orch.config.settings.model.routing.learning, records: records.kept };
    const memory = {
      budgetBytes: ram.budgetBytes,
      headroomBytes: ram.headroomBytes,
      loadedBytes: ram.loadedBytes,
      totalBytes: ram.totalBytes,
      availableBytes: ram.availableBytes,
    };
    const summary = orch.savings.summary({ days: 7 });
    const byModel = boundList(summary.byModel, {
      maxChars: SHARE,
      noun: ['model', 'models'],
      rest: 'ollm://metrics has more.',
    });
    const list = offeredList();
    const cost = footprint(list.chars, list.tools, summary.prices, summary.total);
    const { byAgent, ...rest } = summary;
    const savings = { ...rest, byModel: byModel.kept, footprint: cost };
    const everyAgent = orch.agents.records(byAgent);
    const agents = everyAgent.slice(0, AGENTS_SHOWN);
    const used = Object.entries(orch.metrics.all()).sort(([, a], [, b]) => byCodeUnit(b.lastUsed, a.lastUsed));
    const metrics = boundList(used, {
      maxChars: SHARE,
      noun: ['model', 'models'],
      rest: 'the ones used longest ago are left out; ollm://metrics has more.',
    });
    const cut = {
      ...(metrics.cut && { metrics: metrics.cut }),
      ...(records.cut && { learning: records.cut }),
      ...(byModel.cut && { byModel: byModel.cut }),
    };
    const cutNotes = Object.values(cut).map((c) => c.note);
    const notes = orch.pinNotes();
    const clients = clientsLine(fleet.clients);
    return {
      structured: {
        ...fleet,
        memory,
        metrics: Object.fromEntries(metrics.kept) as unknown as Record<string, Record<string, unknown>>,
        agents,
        savings,
        learning,
        ...(jobs.length > 0 && { jobs }),
        ...(notes.length > 0 && { notes }),
        ...(cutNotes.length > 0 && { cut }),
      },
      text: `${renderStatus(fleet, roomText(ram))}${clients ? `\n\n${clients}` : ''}${jobs.length ? `\n\nYour jobs: ${jobs.map((j) => `${j.id} (${j.tool}) ${j.state}${j.partsDone ? `, ${j.partsDone} parts done` : ''}`).join('; ')}` : ''}\n\n${renderSavings(savings)}\n${footprintLine(cost, summary.prices.currency)}\n\n${renderAgents(agents, everyAgent.length, summary.prices.currency)}\n\n${renderLearning(learning)}${notes.length ? `\n\n${notes.join('\n')}` : ''}${cutNotes.length ? `\n\n${cutNotes.join('\n')}` : ''}`,
    };
  },
});
