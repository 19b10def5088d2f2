import { roomText } from '../presenting/room.js';
import * as z from 'zod';
import { formatBytes } from '../orchestrator/index.js';
import { downLines } from '../orchestrator/fleet/fleet-reads.js';
import type { ModelsOverview } from '../orchestrator/index.js';
import {
  evidenceByWork,
  trackRecord,
  type EvidenceBook,
  type TrackRecord,
} from '../orchestrator/generation/learning.js';
import type { TaskType } from '../orchestrator/index.js';
import { defineTool } from './define.js';
import { describeSettings } from '../orchestrator/models/model-settings.js';
import { MAX_ANSWER_CHARS, boundList, cutSchema, type CutReport } from '../presenting/answer-bounds.js';
import { loadedModelSchema, modelSummarySchema, ramSchema } from './schemas.js';

const hostStateSchema = z.object({
  name: z.string(),
  url: z.string(),
  reachable: z.boolean(),
  error: z.string().optional(),
});
const hostDownSchema = z.object({
  name: z.string(),
  url: z.string(),
  error: z.string(),
  next: z.string().describe('what to do'),
});

type Listed = ModelsOverview['models'][number];

const SEE_ALL = 'show_model describes any one model by name, and `ollama list` on each host lists every one.';

type Shown = Omit<Listed, 'own'> & { record?: TrackRecord; settings?: string; madeFor?: TaskType };

/**
 * Each model with its track record by kind of work, when it has one (learning.ts), its own settings in a few
 * words, and what it was made for (create_model's task).
 */
function withRecords(
  models: readonly Listed[],
  book: EvidenceBook,
  madeFor: (m: Listed) => TaskType | undefined,
): Shown[] {
  return models.map((listed) => {
    const { own, ...m } = listed;
    const settings = describeSettings(own);
    const task = madeFor(listed);
    const shown: Shown = { ...m, ...(settings && { settings }), ...(task && { madeFor: task }) };
    const byWork = evidenceByWork(book, m.name, m.host);
    if (Object.keys(byWork).length === 0) return shown;
    return {
      ...shown,
      record: trackRecord(byWork, {
        profiles: m.profiles,
        sizeBytes: m.sizeBytes,
        ...(m.parameterSize && { parameterSize: m.parameterSize }),
      }),
    };
  });
}

/**
 * A model whose engine loads it by itself: on demand, or — where that host plans its own memory and says so —
 * its fit there.
 */
export function selfManagedState(
  m: Pick<Listed, 'loaded' | 'fits' | 'fitsNow' | 'requiredBytes' | 'memoryFigure'>,
): string {
  if (!m.memoryFigure) return 'its engine loads it on demand (no memory planned here)';
  const fit = m.loaded
    ? 'loaded there'
    : m.fitsNow
      ? 'fits there now'
      : m.fits
        ? 'fits there after unloading others'
        : 'too big for that host';
  return `${fit}${m.requiredBytes > 0 ? `, needs ${formatBytes(m.requiredBytes)}` : ''} (${m.memoryFigure})`;
}

export function render(o: Omit<ModelsOverview, 'models'> & { models: Shown[]; cut?: CutReport }): string {
  const h = o.ram.host;
  const room = roomText(o.ram);
  const up = o.hosts?.filter((x) => x.reachable).map((x) => x.name);
  const where = up ? `Host${up.length > 1 ? 's' : ''} ${up.join(', ')}` : `Ollama at ${o.host}`;
  const installed = o.models.length + (o.cut?.leftOut ?? 0);
  const head =
    `${where}: ${installed} model${installed === 1 ? '' : 's'} installed, ${o.loaded.length} ` +
    `loaded${up ? '' : ` (at most ${h.maxLoadedModels})`}; ` +
    `${up ? `on ${o.host}: ` : ''}${room}.`;
  const lines = o.models.map((m) => {
    const fit = m.loaded
      ? 'loaded'
      : m.fitsNow
        ? 'fits now'
        : m.fits
          ? 'fits after unloading'
          : 'too big for this host';
    const state = m.cloud
      ? 'cloud (runs on ollama.com)'
      : m.selfManaged
        ? selfManagedState(m)
        : `${fit}, needs ${formatBytes(m.requiredBytes)}${m.memoryFigure ? ` (${m.memoryFigure})` : ''}`;
    const profiles = m.profiles.length > 0 ? m.profiles.join(',') : 'embedding only';
    const record = m.record
      ? `; here: ${Object.entries(m.record)
          .map(([work, r]) => `${work} ${r.summary}`)
          .join('; ')}`
      : '';
    const own = m.settings ? `; its own settings: ${m.settings}` : '';
    const made = m.madeFor ? `, made for ${m.madeFor}` : '';
    return (
      `- ${m.name}${m.host ? ` on ${m.host}` : ''} — ` +
      `${m.selfManaged && m.sizeBytes === 0 ? 'size not reported' : formatBytes(m.sizeBytes)}, ` +
      `${m.parameterSize || '?'} ${m.quantization}, ctx ${m.contextWindow}, ${profiles}${made}; ` +
      `${state}${own}${record}`
    );
  });
  const stale = o.stale ? [`(Ollama is not answering; this is the last list seen: ${o.stale})`] : [];
  const none = o.models.length === 0 ? ['No models installed: pull one, e.g. `ollama pull llama3.2`.'] : [];
  return [
    head,
    ...downLines(o.unreachable ?? []),
    ...stale,
    ...lines,
    ...none,
    ...(o.notes ?? []),
    ...(o.cut ? [o.cut.note] : []),
  ].join('\n');
}

export const listModels = defineTool({
  name: 'list_models',
  title: 'List local models',
  description: 'Installed and loaded models: size, window, capabilities, fit.',
  inputSchema: z.object({
    refresh: z.boolean().optional().describe('Skip the 30 s cache.'),
  }),
  outputSchema: z.object({
    host: z.string(),
    models: z.array(modelSummarySchema),
    loaded: z.array(loadedModelSchema),
    ram: ramSchema,
    stale: z.string().optional().describe('set when Ollama is not answering and the list is the last one seen'),
    hosts: z.array(hostStateSchema).optional().describe('with several Ollama hosts: each one, reachable or not'),
    unreachable: z
      .array(hostDownSchema)
      .optional()
      .describe('Ollama hosts that did not answer (their models are left out), with what to do'),
    notes: z
      .array(z.string())
      .optional()
      .describe('what happened since the last answer, e.g. a pinned model Ollama unloaded that was loaded again'),
    cut: cutSchema.optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { orch, signal }) {
    const [listed, book] = await Promise.all([
      orch.listModels({ refresh: input.refresh ?? false, signal }),
      orch.outcomes.load(),
      orch.madeFor.load(),
    ]);
    // one host: its models carry no host name
    const madeFor = (m: Listed) => orch.madeFor.of(m.host ?? orch.hosts[0]!.name, m.name)?.task;
    const { kept, cut } = boundList(withRecords(listed.models, book, madeFor), {
      maxChars: MAX_ANSWER_CHARS,
      noun: ['model', 'models'],
      rest: SEE_ALL,
    });
    const overview = { ...listed, models: kept, ...(cut && { cut }) };
    return { structured: overview, text: render(overview) };
  },
});
