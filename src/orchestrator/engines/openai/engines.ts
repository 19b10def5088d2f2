/**
 * OpenAI-compatible engines (vLLM, llama.cpp's llama-server, LM Studio, llama-swap, SGLang,
 * LiteLLM, Olla, or a hosted API) as hosts of the pool: settings' `hosts` entries of kind
 * `openai`, and the `fallback` block, which is one such host of the lowest priority. They load
 * models themselves, so ollm-mcp routes to them and plans none of their memory. A host that
 * refuses connections or answers 5xx is skipped for a cooldown, then tried again.
 */
import type { Settings } from '../../config/index.js';
import { EngineError } from './openai-errors.js';
import { OpenAIBackend } from './openai.js';
import type { ChatRequest, ChatResult } from './openai-stream.js';

export interface EngineHost {
  name: string;
  backend: OpenAIBackend;
  priority: number;
  /** The model to ask for; without one, the first the engine lists. */
  model?: string;
}

/** What an engine answered, and which engine. */
export interface EngineAnswer extends ChatResult {
  host: string;
  /** host:port of the engine, for messages. */
  address: string;
  model: string;
}

/** A chat request without the parts each engine decides: the model, the stall limit. */
export interface EngineRequest extends Omit<ChatRequest, 'model' | 'stallTimeoutMs' | 'onToken'> {
  onToken?(tokens: number, host: string, model: string): void;
  onTry?(host: string, model: string): void;
}

/** How long a failing host is left alone before it is tried again. */
const COOLDOWN_MS = 30_000;

const cooling = (e: unknown) => e instanceof EngineError && (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'server_error' || e.kind === 'rate_limited');

export class Engines {
  readonly hosts: EngineHost[];
  private readonly cooldown = new Map<string, { until: number; why: string }>();
  private readonly stallTimeoutMs: number;

  constructor(settings: Settings, options: { fetch?: typeof fetch } = {}) {
    const openai = settings.hosts.filter((h) => h.kind === 'openai');
    const hosts: EngineHost[] = openai.map((h, i) => ({
      name: h.name,
      priority: h.priority ?? i,
      backend: new OpenAIBackend({ name: h.name, baseURL: h.url, ...(h.tokenEnv && { apiKeyEnv: h.tokenEnv }), settingsPath: `hosts.${h.name}`, ...(options.fetch && { fetch: options.fetch }) }),
      ...(h.model && { model: h.model }),
    }));
    const f = settings.fallback;
    if (f) {
      const backend = new OpenAIBackend({ name: 'fallback', baseURL: f.baseURL, ...(f.apiKeyEnv && { apiKeyEnv: f.apiKeyEnv }), settingsPath: 'fallback', healthPath: false, ...(options.fetch && { fetch: options.fetch }) });
      hosts.push({ name: 'fallback', backend, priority: Number.MAX_SAFE_INTEGER, model: f.model });
    }
    this.hosts = hosts.sort((a, b) => a.priority - b.priority);
    this.stallTimeoutMs = settings.ollama.stallTimeoutMs;
  }

  /** Whether a host is skipped now, and why. */
  coolingDown(name: string, now = Date.now()): string | undefined {
    const c = this.cooldown.get(name);
    return c && c.until > now ? c.why : undefined;
  }

  /**
   * Asks the hosts in priority order until one answers; each failure is recorded in `attempts`
   * (host, model, why) and a host that is down is skipped for a while. Throws the last error
   * when none answered (the attempts say why each failed).
   */
  async answer(req: EngineRequest, attempts: Array<{ model: string; error: string }>): Promise<EngineAnswer | undefined> {
    for (const host of this.hosts) {
      if (req.signal?.aborted) return undefined;
      const why = this.coolingDown(host.name);
      if (why) {
        attempts.push({ model: `${host.name}`, error: `skipped for now: ${why}` });
        continue;
      }
      let model = host.model;
      try {
        model ??= (await host.backend.listModels(req.signal ? { signal: req.signal } : {}))[0];
        if (!model) throw new Error(`${host.name} serves no model`);
        req.onTry?.(host.name, model);
        const out = await host.backend.streamChat({
          model,
          prompt: req.prompt,
          maxTokens: req.maxTokens,
          stallTimeoutMs: this.stallTimeoutMs,
          ...(req.system && { system: req.system }),
          ...(req.images && { images: req.images }),
          ...(req.temperature !== undefined && { temperature: req.temperature }),
          ...(req.signal && { signal: req.signal }),
          ...(req.onToken && { onToken: (n: number) => req.onToken!(n, host.name, model!) }),
        });
        this.cooldown.delete(host.name);
        return { host: host.name, address: host.backend.host, model, ...out };
      } catch (err) {
        if (req.signal?.aborted) throw err;
        const message = err instanceof Error ? err.message : String(err);
        attempts.push({ model: `${host.name}${model ? ` ${model}` : ''}`, error: message });
        if (cooling(err)) this.cooldown.set(host.name, { until: Date.now() + COOLDOWN_MS, why: message });
      }
    }
    return undefined;
  }

  /** Cheap health of every host (never a generation), for ollm://fleet and doctor. */
  async health(signal?: AbortSignal): Promise<Array<{ name: string; url: string; priority: number; ok: boolean; detail: string; latencyMs: number; coolingDown?: string }>> {
    return Promise.all(
      this.hosts.map(async (h) => {
        const r = await h.backend.health(signal ? { signal } : {});
        const cool = this.coolingDown(h.name);
        return { name: h.name, url: h.backend.baseURL, priority: h.priority, ok: r.ok, detail: r.detail, latencyMs: r.latencyMs, ...(cool && { coolingDown: cool }) };
      }),
    );
  }
}
