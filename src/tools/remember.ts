import * as z from 'zod';
import { MEMORY_CATEGORIES } from '../orchestrator/memory/memory-search.js';
import { defineTool } from './define.js';
import { memoryEntrySchema, withNotice } from './memory-schemas.js';

export const rememberTool = defineTool({
  name: 'remember',
  title: 'Remember a fact across sessions',
  description:
    'Saves a lasting fact, preference or piece of context under a short key (e.g. key "preferred language", value "TypeScript with strict mode"), for later sessions and for local models: route_and_generate adds relevant memories to its system prompt. The same key again updates the entry. Use it when the user states something worth keeping; not for secrets, passwords or one-off details.',
  inputSchema: z.object({
    key: z.string().min(1).describe('A short name for the fact, matched ignoring case and spacing.'),
    value: z.string().min(1).describe('The fact itself, in one or two sentences.'),
    category: z.enum(MEMORY_CATEGORIES).optional().describe('fact (default), preference (how the user likes things done) or context (their project, setup, goals).'),
  }),
  outputSchema: memoryEntrySchema.extend({ action: z.enum(['created', 'updated']) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch }) {
    const store = orch.memoryStore;
    const { entry, action } = await store.remember(input.key, input.value, { source: 'llm', ...(input.category && { category: input.category }) });
    const text = `${action === 'created' ? 'Remembered' : 'Updated'} "${entry.key}" (${entry.category}): ${entry.value}`;
    return { structured: { ...entry, action }, text: withNotice(store, text) };
  },
});
