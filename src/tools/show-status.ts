import { roomText } from '../presenting/room.js';
import * as z from 'zod';
import { workRecordSchema } from './schemas.js';
import { learningRecords, renderAgents, renderLearning, renderStatus, renderSavings } from './status-text.js';
import { defineTool } from './define.js';
import { viewMeta } from '../views/index.js';
import { footprint, footprintLine } from '../orchestrator/index.js';
import { offeredList } from '../presenting/footprint.js';
import { ownerOf } from './long-call.js';
import { boundedFleet, clientsLine, withClientLimits } from '../presenting/fleet.js';
import { MAX_ANSWER_CHARS, boundList, cutSchema } from '../presenting/answer-bounds.js';
import { byCodeUnit } from '../orchestrator/util/locale-free.js';
import { JobError, noJobText, type LongWork } from '../orchestrator/jobs/long-work.js';
import { agentSchema, AGENTS_SHOWN, clientSchema, fallbackSchema, savingsSchema } from './status-schemas.js';
import { collectJob } from './job-follow-up.js';
import { jobSchema } from './long-call.js';

/**
 * One of the agent's jobs cancelled at its ask (cancelJob), in a line; a JobError, saying what to do, when it
 * cannot be (never "a bug").
 */
async function cancelOwnJob(jobs: Pick<LongWork, 'stop'>, agent: string, id: string): Promise<string> {
  const out = await jobs.stop(agent, id);
  if (!out) throw new JobError(noJobText(id));
  if (out.kind === 'cancelled')
    return `Job ${id} cancelled: its engine requests are stopped; the same call again starts anew.`;
  if (out.kind === 'ended' && out.setAside)
    return (
      `Job ${id} had already ended (done): its result is set aside — the same call again runs anew ` +
      `(show_status with {"job":"${id}"} still returns it).`
    );
  if (out.kind === 'ended') return `Job ${id} had already ended (${out.state}): nothing to cancel.`;
  throw new JobError(
    `Job ${id} runs in another ollm-mcp server (pid ${out.runner}, other settings or another ` +
      `build), which alone can stop it: it ends by itself, or when that server stops.`,
  );
}

/**
 * A quarter of the answer for each list that grows: hosts' model lists, per-model metrics, track records,
 * savings by model.
 */
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
        `per agent (client), the busiest ${AGENTS_SHOWN}: calls, local tokens, what it saved, ` +
          `verdicts; ollm://metrics has every one`,
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
  // not read-only: cancelJob stops one of the agent's own jobs
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
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
