import * as z from 'zod';
import { defineTool } from './define.js';
import { viewMeta } from '../views/index.js';

const gb = (n: number | undefined) => (n === undefined ? '?' : `${(n / 1e9).toFixed(1)} GB`);

function countdown(iso: string | undefined, forever: boolean | undefined): string {
  if (forever || !iso) return 'kept loaded';
  const left = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (left > 365 * 86400) return 'kept loaded';
  return left <= 0 ? 'unloading' : left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s left` : `${left} s left`;
}

type Fleet = Awaited<ReturnType<import('../orchestrator/index.js').Orchestrator['fleetStatus']>>;

/** One paragraph per host: reachable or not, memory, then each loaded model with its pin, keep-alive and requests. */
export function renderStatus(fleet: Fleet, memory: { budgetBytes: number; headroomBytes: number }): string {
  return fleet.hosts
    .map((h) => {
      if (h.kind !== 'ollama') return `${h.name} (OpenAI-compatible): ${'healthy' in h && h.healthy === false ? 'unhealthy' : 'up'}.`;
      if (!h.reachable) return `${h.name}: not reachable${h.error ? ` (${h.error.replace(/[.\s]+$/, '')})` : ''}.`;
      const mem = `RAM ${gb(h.capacity.ramAvailableBytes)} free of ${gb(h.capacity.ramTotalBytes)}${h.capacity.vramTotalBytes ? `, VRAM ${gb(h.capacity.vramTotalBytes)}` : ''}`;
      const budget = h.name === 'ollama' ? `; budget ${gb(memory.budgetBytes)}, room for ${gb(memory.headroomBytes)} more` : '';
      const models = h.loaded.length
        ? h.loaded.map((m) => `- ${m.name}: ${gb(m.sizeBytes)}${m.pinned ? ', pinned' : ''}, ${countdown(m.expiresAt, m.keptForever)}${m.requestsRunning ? `, ${m.requestsRunning} running` : ''}`).join('\n')
        : '- no model loaded';
      return `${h.name} (${h.url}): ${mem}${budget}; ${h.requestsRunning} request(s) in flight.\n${models}`;
    })
    .join('\n\n');
}

export const showStatusTool = defineTool({
  name: 'show_status',
  title: 'Fleet and memory status',
  description:
    'Shows every host ollm-mcp uses, its memory (RAM/VRAM, the budget, the headroom left), the loaded models with pins, keep-alive time left and requests in flight, and per-model metrics. Read-only. Hosts that render MCP Apps show it as a live monitor with unload and pin buttons. Use it to see what is loaded and why a model would not fit; to act, use unload_model or smart_load.',
  inputSchema: z.object({}),
  outputSchema: z.object({
    hosts: z.array(z.record(z.string(), z.unknown())).describe('as ollm://fleet'),
    memory: z.object({ budgetBytes: z.number(), headroomBytes: z.number(), loadedBytes: z.number(), totalBytes: z.number(), availableBytes: z.number() }),
    metrics: z.record(z.string(), z.record(z.string(), z.unknown())).describe('per model, as ollm://metrics'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  meta: viewMeta('status'),
  async run(_input, { orch }) {
    const [fleet, ram] = await Promise.all([orch.fleetStatus(), orch.ramStatus()]);
    const memory = { budgetBytes: ram.budgetBytes, headroomBytes: ram.headroomBytes, loadedBytes: ram.loadedBytes, totalBytes: ram.totalBytes, availableBytes: ram.availableBytes };
    return { structured: { ...fleet, memory, metrics: orch.metrics.all() as unknown as Record<string, Record<string, unknown>> }, text: renderStatus(fleet, memory) };
  },
});
