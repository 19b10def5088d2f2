import * as z from 'zod';
import { defineTool } from './define.js';
import type { FleetHost } from '../orchestrator/fleet/fleet-host.js';
import { plannerOf } from '../orchestrator/engines/planned-there.js';

export const unloadModelTool = defineTool({
  name: 'unload_model',
  title: 'Unload models from memory',
  description: 'Unloads a model (it stays installed), or all.',
  inputSchema: z
    .object({
      model: z.string().min(1).optional().describe('Unpins it too.'),
      all: z.boolean().optional(),
      includePinned: z.boolean().optional().describe('With all: pinned ones too.'),
      host: z.string().min(1).optional(),
    })
    .refine((v) => (v.model !== undefined) !== (v.all === true), { message: 'give either model or all: true' }),
  outputSchema: z.object({
    unloaded: z.array(z.string()),
    kept: z.array(z.object({ model: z.string(), why: z.string() })),
    notLoaded: z.array(z.string()).describe('named models that were not loaded'),
    unloadWaitMs: z
      .number()
      .optional()
      .describe('how long Ollama took to free their memory (it unloads one model at a time)'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal }) {
    const units =
      input.all && input.host === undefined
        ? orch.hosts
        : [
            await orch.pickHost({
              ...(input.host !== undefined && { host: input.host }),
              ...(input.model !== undefined && { model: input.model }),
              loaded: true,
              signal,
            }),
          ];
    // with all: true, a host that does not answer is said as such; the others are still unloaded
    const all = { all: true as const, includePinned: input.includePinned ?? false };
    const target = input.all ? all : { models: [input.model!] };
    // an engine another ollm-mcp of this user plans: unloaded by that server's plan (engines/ollm/planner-engine.ts)
    const there = (u: FleetHost) => plannerOf(u.engine)?.unloadThere(target, signal ? { signal } : {});
    const settled = await Promise.allSettled(units.map((u) => there(u) ?? u.loader.unload(target, signal)));
    const failed = settled.flatMap((r, i) =>
      r.status === 'rejected'
        ? [`${units[i]!.name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`]
        : [],
    );
    const outs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (outs.length === 0) throw settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
    const waits = outs.map((o) => o.unloadWaitMs ?? 0);
    const out = {
      unloaded: outs.flatMap((o) => o.unloaded),
      kept: outs.flatMap((o) => o.kept),
      notLoaded: [...new Set(outs.flatMap((o) => o.notLoaded))],
      ...(Math.max(...waits) > 0 && { unloadWaitMs: Math.max(...waits) }),
    };
    const parts = [
      out.unloaded.length ? `Unloaded ${out.unloaded.join(', ')}.` : 'Nothing was unloaded.',
      ...out.kept.map((k) => `Kept ${k.model}: ${k.why}.`),
      ...(out.notLoaded.length ? [`Not loaded: ${out.notLoaded.join(', ')}.`] : []),
      ...failed.map((f) => `Not reached: ${f}`),
    ];
    return { structured: out, text: parts.join('\n') };
  },
});
