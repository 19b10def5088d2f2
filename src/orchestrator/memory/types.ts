/** What one remembered fact is. */
export const MEMORY_CATEGORIES = ['fact', 'preference', 'context'] as const;
export type MemoryCategory = (typeof MEMORY_CATEGORIES)[number];
export const MEMORY_SOURCES = ['user', 'llm', 'system'] as const;
export type MemoryEntrySource = (typeof MEMORY_SOURCES)[number];

export interface MemoryEntry {
  key: string;
  value: string;
  category: MemoryCategory;
  source: MemoryEntrySource;
  createdAt: string;
  updatedAt: string;
  accessCount: number;
}
