/**
 * ollm://jobs/{id}: one of the calling agent's jobs (long calls handed over before its client's
 * limit, and tasks: orchestrator/jobs/long-work.ts) — its state, progress, the parts answered so
 * far and, once done, its result as the tool gave it. Listed in resources/list for that agent
 * alone; another agent's job, or one gone past its keep, is not found. A result too long for a
 * resource is left out, saying how to get it (show_status {job} returns it whole).
 */
import { ResourceNotFoundError, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { MAX_RESOURCE_CHARS } from '../presenting/answer-bounds.js';
import { callingAgent } from '../presenting/calling-agent.js';
import { jsonContents } from './json.js';
import { jobOwner, noJobText } from '../orchestrator/jobs/long-work.js';
import { shownId } from '../orchestrator/stores/job-store.js';
import { jobInfo, keptOutput } from '../presenting/job-words.js';

/** How far a running job is, as its resource adds it to its head: parts in all, its step, the time left. */
const pick = (j: ReturnType<typeof jobInfo>) => ({
  ...(j.partsTotal !== undefined && { partsTotal: j.partsTotal }),
  ...(j.step !== undefined && { step: j.step }),
  ...(j.etaSeconds !== undefined && { etaSeconds: j.etaSeconds }),
});

const PREFIX = 'ollm://jobs/';

/** The request's envelope (the 2026 era's per-request `_meta`), wherever the SDK passes its context. */
function envelopeOf(ctx: unknown): unknown {
  return (ctx as { mcpReq?: { envelope?: unknown } } | undefined)?.mcpReq?.envelope;
}

export function registerJobs(server: McpServer, orch: Orchestrator): void {
  // whose: the calling agent in this session's folder (jobOwner)
  const agent = (ctx: unknown) =>
    jobOwner(callingAgent(server, orch.config.settings, envelopeOf(ctx)), orch.project?.root ?? orch.workingDir);
  server.registerResource(
    'job',
    new ResourceTemplate(`${PREFIX}{id}`, {
      list: async (ctx) => ({
        resources: (await orch.longWork.list(agent(ctx))).map((j) => ({
          uri: `${PREFIX}${j.id}`,
          name: `${j.tool} ${j.id} (${j.state})`,
          mimeType: 'application/json',
        })),
      }),
    }),
    {
      title: 'A long call’s job',
      description:
        "One of your long calls that outlasted your client's limit (or a task): its state, " +
        'progress, the parts answered so far and, once done, its result.',
      mimeType: 'application/json',
    },
    async (uri, variables, ctx) => {
      const raw = variables.id;
      const id = decodeURIComponent(Array.isArray(raw) ? raw.join(',') : (raw ?? ''));
      const found = await orch.longWork.wait(agent(ctx), id, 0);
      if (!found) throw new ResourceNotFoundError(`${PREFIX}${shownId(id)}`, noJobText(id));
      const { job } = found;
      const parts = found.kind === 'running' ? found.parts : (job.parts ?? []);
      const running = found.kind === 'running' ? jobInfo(job.id, job.state, found.now) : undefined;
      const head = {
        id: job.id,
        tool: job.tool,
        state: job.state,
        createdAt: new Date(job.createdAt).toISOString(),
        updatedAt: new Date(found.kind === 'running' ? found.now.updatedAt : job.updatedAt).toISOString(),
        partsDone: parts.length,
        ...(running && pick(running)),
        ...(job.error !== undefined && { error: job.error }),
      };
      // one shape whether it ran as a task or a plain call: {text, structured}
      const result = found.kind === 'result' ? keptOutput(found.result) : undefined;
      const whole = {
        ...head,
        ...(parts.length > 0 && found.kind === 'running' && { parts }),
        ...(result && { result }),
      };
      if (JSON.stringify(whole).length <= MAX_RESOURCE_CHARS) return jsonContents(uri, whole);
      return jsonContents(uri, {
        ...head,
        cut:
          `its ${found.kind === 'result' ? 'result' : 'parts'} are longer than a resource holds ` +
          `(${MAX_RESOURCE_CHARS} characters): ` +
          `${found.kind === 'result' ? `show_status with {"job":"${job.id}"} returns the result` : 'its result will be shorter'}`,
      });
    },
  );
}
