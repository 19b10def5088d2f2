import * as z from 'zod';
import { TASK_TYPES } from '../orchestrator/index.js';
import { createModel, type CreateResult } from '../orchestrator/jobs/create.js';
import { defineTool } from './define.js';

/** One or two lines: what was made, and how to use it. */
export function createdText(r: CreateResult): string {
  const verb = r.status === 'copied' ? 'Copied' : r.status === 'replaced' ? 'Made again' : 'Made';
  const waited = r.waited ? ` once the ${r.waited.requests === 1 ? 'request' : `${r.waited.requests} requests`} running on it had finished (waited ${Math.round(r.waited.ms / 1000)} s)` : '';
  const made = `${verb} ${r.name} from ${r.from} on ${r.host}${r.task ? ` (made for ${r.task})` : ''}${waited}`;
  return `${made}; route_and_generate {model: ${JSON.stringify(r.name)}}${r.task ? ` or task ${r.task}` : ''} uses it.`;
}

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
  outputSchema: z.object({
    name: z.string(),
    from: z.string(),
    host: z.string(),
    task: z.enum(TASK_TYPES).optional(),
    status: z.enum(['created', 'replaced', 'copied']),
  }),
  // replace overwrites a model; it writes to the engine's own store only
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(input, { orch, signal, phases }) {
    const result = await createModel(orch, { ...input, signal, ...(phases && { progress: phases }) });
    const { waited: _, ...structured } = result; // the wait is told in the text
    return { structured, text: createdText(result) };
  },
});
