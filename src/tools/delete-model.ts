import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import { deleteModel } from '../orchestrator/jobs/delete.js';
import { defineTool } from './define.js';

export const deleteModelTool = defineTool({
  name: 'delete_model',
  title: 'Delete an installed model',
  description: 'Deletes a model from disk; only when the user asks.',
  inputSchema: z.object({
    model: z.string().min(1),
    host: z.string().min(1).optional(),
    force: z.boolean().optional().describe('Even if pinned.'),
  }),
  outputSchema: z.object({
    model: z.string(),
    deleted: z.literal(true),
    unloaded: z.boolean(),
    freedDiskBytes: z.number(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal }) {
    const out = await deleteModel(orch, { ...input, signal });
    return {
      structured: out,
      text:
        `Deleted ${out.model}${out.unloaded ? ' (unloaded first)' : ''}; ` +
        `${formatBytes(out.freedDiskBytes)} of disk freed.`,
    };
  },
});
