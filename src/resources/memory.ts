import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { MAX_RESOURCE_CHARS, boundList, indentedChars } from '../presenting/answer-bounds.js';
import { jsonContents } from './json.js';

export function registerMemory(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'memory',
    'ollm://memory',
    {
      title: 'Remembered facts',
      description:
        'Everything remembered across sessions (newest first), with the state database holding it, ' +
        'its limits, and where an imported file with unreadable parts was kept if that happened. A ' +
        'long list or value is cut, and `cut` says so.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const store = orch.memoryStore;
      const { maxEntries, maxValueChars, promptBudgetTokens } = orch.config.settings.memory;
      const entries = await store.list();
      const { kept, cut } = boundList(entries, {
        maxChars: MAX_RESOURCE_CHARS,
        size: indentedChars,
        shorten: { field: 'value', name: 'value' },
        noun: ['entry', 'entries'],
        rest: 'the recall tool with key shows one entry whole, and `npx ollm-mcp memory export` writes every entry.',
      });
      return jsonContents(uri, {
        file: store.path,
        count: entries.length,
        limits: { maxEntries, maxValueChars, promptBudgetTokens },
        ...(store.setAside && { setAside: store.setAside }),
        ...(cut && { cut }),
        entries: kept,
      });
    },
  );
}
