import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerMemory(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'memory',
    'ollm://memory',
    {
      title: 'Remembered facts',
      description: 'Everything remembered across sessions (newest first), with the state database holding it, its limits, and where an imported file with unreadable parts was kept if that happened.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const store = orch.memoryStore;
      const { maxEntries, maxValueChars, promptBudgetTokens } = orch.config.settings.memory;
      const entries = await store.list();
      return jsonContents(uri, {
        file: store.path,
        count: entries.length,
        limits: { maxEntries, maxValueChars, promptBudgetTokens },
        ...(store.setAside && { setAside: store.setAside }),
        entries,
      });
    },
  );
}
