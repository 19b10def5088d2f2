import * as z from 'zod';
import { MEMORY_CATEGORIES } from '../orchestrator/memory/memory-search.js';
import { defineTool } from './define.js';
import { memoryEntrySchema, withNotice } from './memory-schemas.js';

export const rememberTool = defineTool({
  name: 'remember',
  title: 'Remember a fact across sessions',
  description: 'Saves a fact under a key across sessions; no secrets.',
  inputSchema: z.object({
    key: z.string().min(1),
    value: z.string().min(1),
    category: z.enum(MEMORY_CATEGORIES).optional().meta({ default: 'fact' }),
  }),
  outputSchema: memoryEntrySchema.extend({ action: z.enum(['created', 'updated']) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  writes: true,
  async run(input, { orch }) {
    const store = orch.memoryStore;
    const { entry, action } = await store.remember(input.key, input.value, {
      source: 'llm',
      ...(input.category && { category: input.category }),
    });
    const text = `${action === 'created' ? 'Remembered' : 'Updated'} "${entry.key}" (${entry.category}): ${entry.value}`;
    return { structured: { ...entry, action }, text: withNotice(store, text) };
  },
});
