import * as z from 'zod';
import { MEMORY_CATEGORIES, type MemoryEntry } from '../orchestrator/memory/memory-search.js';
import { quoted } from '../orchestrator/util/shorten.js';
import { defineTool } from './define.js';
import { memoryEntrySchema, withNotice } from './memory-schemas.js';
import {
  MAX_ANSWER_CHARS,
  boundList,
  cutReport,
  cutSchema,
  cutText,
  type CutReport,
} from '../presenting/answer-bounds.js';

/** One value asked for by key is shown whole up to this: the largest memory.maxValueChars settings allow. */
const MAX_RECALLED_VALUE_CHARS = 100_000;

type Found = MemoryEntry & { score?: number };

function lines(entries: Found[]): string {
  return entries.map((e) => `- ${e.key} (${e.category}): ${e.value}`).join('\n');
}

const SEE_ALL =
  'recall with key shows one entry whole, a query or category narrows the list, and `npx ' +
  'ollm-mcp memory export` writes every entry.';

/** The entries that fit one answer, long values shortened, and what was cut. */
function bounded(entries: Found[]): { entries: Found[]; cut?: CutReport } {
  const { kept, cut } = boundList(entries, {
    maxChars: MAX_ANSWER_CHARS,
    shorten: { field: 'value', name: 'value' },
    noun: ['entry', 'entries'],
    rest: SEE_ALL,
  });
  return { entries: kept, ...(cut && { cut }) };
}

const withCut = (text: string, cut: CutReport | undefined) => (cut ? `${text}\n\n${cut.note}` : text);

export const recallTool = defineTool({
  name: 'recall',
  title: 'Recall remembered facts',
  description: 'Finds remembered entries by key or query; else the newest.',
  inputSchema: z.object({
    key: z.string().min(1).optional().describe('Exact key.'),
    query: z.string().min(1).optional(),
    category: z.enum(MEMORY_CATEGORIES).optional(),
    limit: z.number().int().min(1).max(100).optional().meta({ default: 10 }),
  }),
  outputSchema: z.object({
    mode: z.enum(['key', 'search', 'recent']),
    entries: z.array(memoryEntrySchema.extend({ score: z.number().optional() })),
    total: z.number().describe('Entries in the memory in all.'),
    cut: cutSchema.optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch }) {
    const store = orch.memoryStore;
    const limit = input.limit ?? 10;
    const total = await store.count();
    if (input.key) {
      const entry = await store.recall(input.key);
      if (entry && (!input.category || entry.category === input.category)) {
        const whole = cutReport({
          leftOut: 0,
          shortened: entry.value.length > MAX_RECALLED_VALUE_CHARS ? 1 : 0,
          noun: ['entry', 'entries'],
          maxValueChars: MAX_RECALLED_VALUE_CHARS,
          rest: '`npx ollm-mcp memory export` writes every value whole.',
        });
        const shown = whole ? { ...entry, value: cutText(entry.value, MAX_RECALLED_VALUE_CHARS) } : entry;
        return {
          structured: { mode: 'key' as const, entries: [shown], total, ...(whole && { cut: whole }) },
          text: withNotice(store, withCut(`${shown.key}: ${shown.value}`, whole)),
        };
      }
      const similar = bounded(
        await store.search(input.key, { limit: 3, ...(input.category && { category: input.category }) }),
      );
      const text =
        `Nothing is remembered under ` +
        `${quoted(input.key)}.${similar.entries.length ? ` Close matches:\n${lines(similar.entries)}` : ''}`;
      return {
        structured: { mode: 'key' as const, entries: [], total },
        text: withNotice(store, withCut(text, similar.cut)),
      };
    }
    if (input.query) {
      const found = bounded(
        await store.search(input.query, { limit, ...(input.category && { category: input.category }) }),
      );
      const n = found.entries.length;
      const text = n
        ? `${n} match${n > 1 ? 'es' : ''} for ${quoted(input.query)}:\n${lines(found.entries)}`
        : `Nothing remembered matches ${quoted(input.query)} (${total} entries in all).`;
      return {
        structured: { mode: 'search' as const, entries: found.entries, total, ...(found.cut && { cut: found.cut }) },
        text: withNotice(store, withCut(text, found.cut)),
      };
    }
    const recent = bounded((await store.list(input.category ? { category: input.category } : {})).slice(0, limit));
    const n = recent.entries.length;
    const text = n
      ? `The ${n} most recent of ${total} entries:\n${lines(recent.entries)}`
      : 'Nothing is remembered yet.';
    return {
      structured: { mode: 'recent' as const, entries: recent.entries, total, ...(recent.cut && { cut: recent.cut }) },
      text: withNotice(store, withCut(text, recent.cut)),
    };
  },
});
