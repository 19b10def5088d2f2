import * as z from 'zod';
import { MemoryError } from '../orchestrator/memory/memory-db.js';
import { quoted } from '../orchestrator/util/shorten.js';
import { defineTool } from './define.js';
import { withNotice } from './memory-schemas.js';

export const forgetTool = defineTool({
  name: 'forget',
  title: 'Forget remembered facts',
  description: 'Deletes a remembered entry, or all; only when the user asks.',
  inputSchema: z.object({
    key: z.string().min(1).optional(),
    all: z.boolean().optional(),
  }),
  outputSchema: z.object({ removed: z.number(), keys: z.array(z.string()), backup: z.string().optional() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  writes: true,
  async run(input, { orch }) {
    const store = orch.memoryStore;
    if (input.all === true && input.key) throw new MemoryError('Give either key or all: true, not both.');
    if (input.all === true) {
      const { removed, backup } = await store.clear();
      const text = removed
        ? `Forgot all ${removed} entries; the previous file is kept at ${backup}.`
        : 'The memory was already empty.';
      return { structured: { removed, keys: [], ...(backup && { backup }) }, text: withNotice(store, text) };
    }
    if (!input.key) throw new MemoryError('Say what to forget: key (one entry), or all: true (everything).');
    const entry = await store.forget(input.key);
    const text = entry
      ? `Forgot "${entry.key}".`
      : `Nothing is remembered under ${quoted(input.key)}; nothing was removed.`;
    return { structured: { removed: entry ? 1 : 0, keys: entry ? [entry.key] : [] }, text: withNotice(store, text) };
  },
});
