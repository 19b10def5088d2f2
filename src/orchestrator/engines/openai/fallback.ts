/**
 * The cloud fallback (settings' `fallback`): the last member of the fleet, an OpenAI-compatible
 * chat API asked when every local engine failed, whatever the failure. A fallback that refuses
 * connections or answers 5xx is skipped for a cooldown, then tried again.
 *
 * It is the one place that sends to the cloud, and it sends nothing that holds text or an image
 * read from this machine (`read`: every input reader records what it returns) unless
 * `fallback.sendInputs` allows it — whatever tool, template, split or compare built the request.
 */
import type { Settings } from '../../config/index.js';
import { hostTrouble, KeptLocalError } from '../host-error.js';
import { OpenAIBackend } from './openai.js';
import type { Fallback, FallbackAnswer, FallbackRequest, ReadRecord } from '../engine.js';

/** How long a failing provider is left alone before it is tried again. */
const COOLDOWN_MS = 30_000;

export class CloudFallback implements Fallback {
  readonly backend: OpenAIBackend;
  readonly model: string;
  /** Whether inputs read by path (files, diffs, images) may be sent to it. */
  readonly sendInputs: boolean;
  private cooling?: { until: number; why: string };
  private readonly stallTimeoutMs: number;

  get host(): string {
    return this.backend.host;
  }

  /** `read`: what this process read from the machine, checked before anything is sent. */
  constructor(
    f: NonNullable<Settings['fallback']>,
    stallTimeoutMs: number,
    private readonly read: ReadRecord,
    options: { fetch?: typeof fetch } = {},
  ) {
    this.backend = new OpenAIBackend({
      name: 'fallback',
      baseURL: f.baseURL,
      ...(f.apiKeyEnv && { apiKeyEnv: f.apiKeyEnv }),
      settingsPath: 'fallback',
      healthPath: false,
      ...(options.fetch && { fetch: options.fetch }),
    });
    this.model = f.model;
    this.sendInputs = f.sendInputs;
    this.stallTimeoutMs = stallTimeoutMs;
  }

  /** Why it is skipped now, if it is. */
  coolingDown(now = Date.now()): string | undefined {
    return this.cooling && this.cooling.until > now ? this.cooling.why : undefined;
  }

  /**
   * Asks it; a failure is recorded in `attempts` and returns undefined. A request holding what was read from
   * this machine throws KeptLocalError, unsent, unless sendInputs.
   */
  async answer(
    req: FallbackRequest,
    attempts: Array<{ model: string; error: string }>,
  ): Promise<FallbackAnswer | undefined> {
    if (!this.sendInputs) {
      const held = this.read.heldIn(req);
      if (held !== undefined) throw new KeptLocalError(held, this.host);
    }
    if (req.signal?.aborted) return undefined;
    const why = this.coolingDown();
    if (why) {
      attempts.push({ model: 'fallback', error: `skipped for now: ${why}` });
      return undefined;
    }
    const model = this.model;
    try {
      req.onTry?.(model);
      const out = await this.backend.streamChat({
        model,
        prompt: req.prompt,
        maxTokens: req.maxTokens,
        stallTimeoutMs: this.stallTimeoutMs,
        ...(req.system && { system: req.system }),
        ...(req.images && { images: req.images }),
        ...(req.format !== undefined && { format: req.format }),
        ...(req.temperature !== undefined && { temperature: req.temperature }),
        ...(req.signal && { signal: req.signal }),
        ...(req.onToken && { onToken: (n: number) => req.onToken!(n, model) }),
      });
      this.cooling = undefined;
      return { address: this.backend.host, model, ...out };
    } catch (err) {
      if (req.signal?.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      attempts.push({ model: `fallback ${model}`, error: message });
      if (hostTrouble(err)) this.cooling = { until: Date.now() + COOLDOWN_MS, why: message };
      return undefined;
    }
  }

  /** Cheap health (never a generation), for ollm://fleet and doctor. */
  async health(
    signal?: AbortSignal,
  ): Promise<{ name: string; url: string; ok: boolean; detail: string; latencyMs: number; coolingDown?: string }> {
    const r = await this.backend.health(signal ? { signal } : {});
    const cool = this.coolingDown();
    return {
      name: 'fallback',
      url: this.backend.baseURL,
      ok: r.ok,
      detail: r.detail,
      latencyMs: r.latencyMs,
      ...(cool && { coolingDown: cool }),
    };
  }
}
