import * as z from 'zod';
import { HostError, TASK_TYPES } from '../orchestrator/index.js';
import { createModel, replacedLoadedText, type CreateResult } from '../orchestrator/jobs/create.js';
import { objectNameProblem } from '../orchestrator/models/create-check.js';
import { defineTool } from './define.js';
import { asJob, callKey, jobSchema, type JobInfo } from './long-call.js';

/** One or two lines: what was made (a model replaced while loaded: what happens to it), and how to use it. */
export function createdText(r: CreateResult): string {
  const verb = r.status === 'copied' ? 'Copied' : r.status === 'replaced' ? 'Made again' : 'Made';
  const waited = r.waited
    ? ` once the ${r.waited.requests === 1 ? 'request' : `${r.waited.requests} requests`} running ` +
      `on it had finished (waited ${Math.round(r.waited.ms / 1000)} s)`
    : '';
  const made = `${verb} ${r.name} from ${r.from} on ${r.host}${r.task ? ` (made for ${r.task})` : ''}${waited}`;
  const loaded = r.loaded ? `; ${replacedLoadedText(r.loaded)}` : '';
  return (
    `${made}${loaded}; route_and_generate {model: ` +
    `${JSON.stringify(r.name)}}${r.task ? ` or task ${r.task}` : ''} uses it.`
  );
}

/**
 * What create_model gives: what was made — or, when the making outlasted its client's limit
 * (long-call.ts), the job it runs on as, without those fields.
 */
const createOutputSchema = z
  .object({
    name: z.string(),
    from: z.string(),
    host: z.string(),
    task: z.enum(TASK_TYPES).optional(),
    status: z.enum(['created', 'replaced', 'copied']),
  })
  .partial({ name: true, from: true, host: true, status: true })
  .extend({ job: jobSchema.optional() });

type Made = Omit<CreateResult, 'waited' | 'loaded'> | { job: JobInfo };

export const createModelTool = defineTool({
  name: 'create_model',
  title: 'Make a model from an installed one',
  description: 'Makes an Ollama model from an installed one.',
  inputSchema: z.object({
    name: z.string().min(1),
    from: z.string().min(1),
    system: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(), // Ollama's names, checked in the core (create-check.ts)
    template: z.string().optional(),
    messages: z.array(z.unknown()).optional(), // {role, content}, checked in the core
    quantize: z.string().optional(),
    task: z.enum(TASK_TYPES).optional(),
    replace: z.boolean().optional(),
    copy: z.boolean().optional(),
    host: z.string().min(1).optional(),
  }),
  outputSchema: createOutputSchema,
  // replace overwrites a model; it writes to the engine's own store only
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(input, ctx) {
    // the parameters as sent: once parsed, a "__proto__" key is gone unseen and the model would be made without a word
    const named = objectNameProblem((ctx.rawArgs as { parameters?: unknown } | undefined)?.parameters);
    if (named) throw new HostError('bad_request', `Nothing was made: ${named}.`, ctx.orch.host);
    // run as a job: answered within the client's limit, whole or handed over (long-call.ts); the
    // hosts it may be made on are part of the call (the one it names, else the one holding `from`)
    const key = callKey(
      'create_model',
      ctx.rawArgs,
      ctx.orch.hosts.map((h) => `${h.name}=${h.address}`),
    );
    return asJob<Made>(
      ctx,
      { tool: 'create_model', key },
      async (control) => {
        const result = await createModel(ctx.orch, {
          ...input,
          signal: control.signal,
          ...(ctx.phases && { progress: ctx.phases }),
        });
        const { waited: _, loaded: __, ...structured } = result; // the wait and the loaded model are told in the text
        return { structured, text: createdText(result) };
      },
      (job) => ({ job }),
    );
  },
});
