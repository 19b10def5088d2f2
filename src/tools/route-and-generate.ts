import * as z from 'zod';
import { PROFILE_NAMES, TASK_TYPES } from '../orchestrator/index.js';
import { routeAndGenerate, type RouteResult } from '../orchestrator/generation/route.js';
import { defineTool } from './define.js';
import { withNotice } from './memory-schemas.js';

export const routeResultSchema = z.object({
  model: z.string(),
  provider: z.enum(['ollama', 'openai', 'fallback']).describe('ollama: a local model; openai: an OpenAI-compatible host from settings; fallback: the fallback provider'),
  host: z.string().optional().describe('the OpenAI-compatible host that answered, when not Ollama'),
  task: z.string(),
  profile: z.string(),
  complexity: z.string(),
  reason: z.string().describe('why this model, in one sentence'),
  fallbacks: z.array(z.object({ model: z.string(), error: z.string() })).describe('models tried before, and why each failed'),
  text: z.string(),
  thinking: z.string().optional().describe("a thinking model's reasoning, apart from the answer"),
  doneReason: z.string().describe('stop, or length when maxTokens cut the answer'),
  contextLength: z.number(),
  metrics: z
    .object({
      totalMs: z.number(),
      loadMs: z.number().describe('loading the model (0 when it was loaded)'),
      queueMs: z.number().describe('queued behind other requests of this server on the model'),
      timeToFirstTokenMs: z.number().describe('from leaving the queue to the first token: Ollama reading the prompt'),
      promptTokens: z.number(),
      outputTokens: z.number(),
      tokensPerSecond: z.number(),
    })
    .describe('time by phase: loadMs, then queueMs, then timeToFirstTokenMs, then generating'),
  notes: z.array(z.string()).optional().describe('what to know beside the answer, e.g. that remembered facts could not be read'),
});

export function renderRoute(r: RouteResult): string {
  const m = r.metrics;
  const tail = [
    `— ${r.model}${r.provider === 'fallback' ? ' (fallback provider)' : r.provider === 'openai' ? ` (on ${r.host})` : ''}: ${m.outputTokens} tokens in ${(m.totalMs / 1000).toFixed(1)} s${m.tokensPerSecond ? ` (${m.tokensPerSecond} tok/s)` : ''}${m.loadMs ? `, load ${(m.loadMs / 1000).toFixed(1)} s` : ''}${m.queueMs ? `, queued ${(m.queueMs / 1000).toFixed(1)} s` : ''}.`,
    r.reason,
    ...(r.fallbacks.length ? [`Tried first: ${r.fallbacks.map((f) => `${f.model} (${f.error})`).join('; ')}`] : []),
    ...(r.doneReason === 'length' ? ['The answer stopped at maxTokens; raise maxTokens for more.'] : []),
    ...(r.notes ?? []),
  ];
  return `${r.text}\n\n${tail.join('\n')}`;
}

export const routeAndGenerateTool = defineTool({
  name: 'route_and_generate',
  title: 'Run a prompt on the best local model',
  description:
    'Offloads a prompt to a local Ollama model, for free and privately: infers the kind of work (code, debugging, reasoning, creative, summarize, fast, vision, general) and its complexity unless given, picks the best installed model that fits in RAM (preferring one already loaded; code only to code models, images only to vision models), loads it without overcommitting RAM, streams the answer with progress notifications, and falls back to the next model if one fails (every attempt is listed in fallbacks). Use it for drafts, summaries, code, and questions a smaller model can answer; not for tasks needing tools, web access or your own conversation context. Returns the answer with model, reason and metrics.',
  inputSchema: z.object({
    prompt: z.string().min(1).describe('The full prompt. It is never truncated: too long a prompt for every model is an error.'),
    system: z.string().optional().describe('System prompt.'),
    task: z.enum(TASK_TYPES).optional().describe('Kind of work; inferred from the prompt when left out.'),
    profile: z.enum(PROFILE_NAMES).optional().describe('Routing profile to use directly (overrides task).'),
    complexity: z.enum(['low', 'medium', 'high']).optional().describe('low prefers smaller, faster models; high stronger ones. Inferred when left out.'),
    model: z.string().min(1).optional().describe('Use this model first; others are tried only if it fails.'),
    images: z.array(z.string().min(1)).max(8).optional().describe('Base64-encoded images; routes to a vision model.'),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).max(1_048_576).optional().describe('Most tokens to generate (default options.maxTokens).'),
    useMemory: z.boolean().optional().describe('Add remembered facts to the system prompt (default true).'),
  }),
  outputSchema: routeResultSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(input, { orch, signal, phases }) {
    const result = await routeAndGenerate(orch, { ...input, signal, ...(phases && { progress: phases }) });
    return { structured: result, text: withNotice(orch.memoryStore, renderRoute(result)) };
  },
});
