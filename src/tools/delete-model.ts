import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import { deleteModel } from '../orchestrator/jobs/delete.js';
import { defineTool } from './define.js';

export const deleteModelTool = defineTool({
  name: 'delete_model',
  title: 'Delete an installed model',
  description:
    'Removes a model from disk (it would have to be pulled again to use). Unloads it first; refuses a pinned model unless force: true, and a model answering a request. Only when the user asked to delete it or to free disk space.',
  inputSchema: z.object({
    model: z.string().min(1).describe('The installed model to delete.'),
    host: z.string().min(1).optional().describe('Which Ollama host or llama.cpp router (see ollm://fleet), when there are several; default: the one that has the model, else ollama.host.'),
    force: z.boolean().optional().describe('Delete even if it is pinned.'),
  }),
  outputSchema: z.object({ model: z.string(), deleted: z.literal(true), unloaded: z.boolean(), freedDiskBytes: z.number() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal }) {
    const out = await deleteModel(orch, { ...input, signal });
    return { structured: out, text: `Deleted ${out.model}${out.unloaded ? ' (unloaded first)' : ''}; ${formatBytes(out.freedDiskBytes)} of disk freed.` };
  },
});
