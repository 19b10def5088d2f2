/** The memory tools' shared output shapes. */
import * as z from 'zod';
import { MEMORY_CATEGORIES, MEMORY_SOURCES } from '../orchestrator/memory/memory-search.js';
import type { MemoryStore } from '../orchestrator/memory/memory-store.js';

export const memoryEntrySchema = z.object({
  key: z.string(),
  value: z.string(),
  category: z.enum(MEMORY_CATEGORIES),
  source: z.enum(MEMORY_SOURCES),
  createdAt: z.string(),
  updatedAt: z.string(),
  accessCount: z.number(),
});

/** Adds the store's one-time note (an unreadable file set aside) to a tool's text. */
export function withNotice(store: MemoryStore, text: string): string {
  const notice = store.takeNotice();
  return notice ? `${text}\n\n${notice}` : text;
}
