import * as z from 'zod';
import { MEMORY_CATEGORIES, type MemoryEntry } from '../orchestrator/memory/memory-search.js';
import { quoted } from '../orchestrator/util/shorten.js';
import { defineTool } from './define.js';
import { memoryEntrySchema, withNotice } from './memory-schemas.js';

function lines(entries: Array<MemoryEntry & { score?: number }>): string {
  return entries.map((e) => `- ${e.key} (${e.category}): ${e.value}`).join('\n');
}

export const recallTool = defineTool({
  name: 'recall',
  title: 'Recall remembered facts',
  description:
    'Looks up what was remembered in this or earlier sessions: by exact key, by a search query (ranked by relevance, then recency and use), or — with neither — the most recent entries. Use it before asking the user something they may already have said.',
  inputSchema: z.object({
    key: z.string().min(1).optional().describe('The exact key (case and spacing ignored).'),
    query: z.string().min(1).optional().describe('Words to search keys and values for.'),
    category: z.enum(MEMORY_CATEGORIES).optional().describe('Only this category.'),
    limit: z.number().int().min(1).max(100).optional().describe('At most this many entries (default 10).'),
  }),
  outputSchema: z.object({
    mode: z.enum(['key', 'search', 'recent']),
    entries: z.array(memoryEntrySchema.extend({ score: z.number().optional() })),
    total: z.number().describe('Entries in the memory in all.'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch }) {
    const store = orch.memoryStore;
    const limit = input.limit ?? 10;
    const total = await store.count();
    if (input.key) {
      const entry = await store.recall(input.key);
      const found = entry && (!input.category || entry.category === input.category) ? [entry] : [];
      const similar = found.length ? [] : await store.search(input.key, { limit: 3, ...(input.category && { category: input.category }) });
      const text = found.length
        ? `${found[0]!.key}: ${found[0]!.value}`
        : `Nothing is remembered under ${quoted(input.key)}.${similar.length ? ` Close matches:\n${lines(similar)}` : ''}`;
      return { structured: { mode: 'key' as const, entries: found, total }, text: withNotice(store, text) };
    }
    if (input.query) {
      const found = await store.search(input.query, { limit, ...(input.category && { category: input.category }) });
      const text = found.length ? `${found.length} match${found.length > 1 ? 'es' : ''} for "${input.query}":\n${lines(found)}` : `Nothing remembered matches "${input.query}" (${total} entries in all).`;
      return { structured: { mode: 'search' as const, entries: found, total }, text: withNotice(store, text) };
    }
    const recent = (await store.list(input.category ? { category: input.category } : {})).slice(0, limit);
    const text = recent.length ? `The ${recent.length} most recent of ${total} entries:\n${lines(recent)}` : 'Nothing is remembered yet.';
    return { structured: { mode: 'recent' as const, entries: recent, total }, text: withNotice(store, text) };
  },
});
