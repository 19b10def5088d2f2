/**
 * The user's own commands (seed 003's slash commands): `memory`, `template` and `project`.
 * They print to stdout — they are not the MCP server — and return the exit code.
 */
import type { Orchestrator } from '../orchestrator/index.js';
import { MEMORY_CATEGORIES, type MemoryCategory, type MemoryEntry } from '../orchestrator/memory-search.js';
import { MemoryError } from '../orchestrator/memory-store.js';
import type { CliArgs } from './args.js';

const print = (text: string) => process.stdout.write(`${text}\n`);
const fail = (text: string) => {
  process.stderr.write(`ollm-mcp: ${text}\n`);
  return 1;
};

function entryLine(e: MemoryEntry): string {
  return `  ${e.key} — ${e.value}\n      ${e.category}, from ${e.source}, updated ${e.updatedAt.slice(0, 10)}, used ${e.accessCount}×`;
}

export async function memoryCommand(orch: Orchestrator, args: CliArgs): Promise<number> {
  const store = orch.memoryStore;
  try {
    switch (args.action) {
      case 'list': {
        const entries = await store.list();
        if (args.json) print(JSON.stringify({ file: store.path, entries }, null, 2));
        else if (entries.length === 0) print(`Nothing is remembered yet (${store.path}).`);
        else print(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} in ${store.path}:\n${entries.map(entryLine).join('\n')}`);
        break;
      }
      case 'add': {
        const [key, value] = args.params as [string, string];
        if (args.category !== undefined && !MEMORY_CATEGORIES.includes(args.category as MemoryCategory)) {
          return fail(`--category must be one of ${MEMORY_CATEGORIES.join(', ')}; got "${args.category}".`);
        }
        const { entry, action } = await store.remember(key, value, { source: 'user', ...(args.category && { category: args.category as MemoryCategory }) });
        print(args.json ? JSON.stringify({ action, entry }, null, 2) : `${action === 'created' ? 'Remembered' : 'Updated'} "${entry.key}" (${entry.category}).`);
        break;
      }
      case 'forget': {
        const removed = await store.forget(args.params[0]!);
        if (!removed) return fail(`Nothing is remembered under "${args.params[0]}" — \`ollm-mcp memory list\` shows the keys.`);
        print(`Forgot "${removed.key}".`);
        break;
      }
      case 'clear': {
        const { removed, backup } = await store.clear();
        print(removed ? `Forgot all ${removed} entries; the previous file is kept at ${backup}.` : 'The memory was already empty.');
        break;
      }
    }
    const notice = store.takeNotice();
    if (notice) process.stderr.write(`${notice}\n`);
    await store.flush();
    return 0;
  } catch (err) {
    if (err instanceof MemoryError) return fail(err.message);
    throw err;
  }
}
