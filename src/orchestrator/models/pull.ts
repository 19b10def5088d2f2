/**
 * Pulling a model with visible progress: /api/pull streamed, progress summed over the layers
 * (bytes done of bytes known), the phases named, cancellation honoured, a stalled download
 * stopped with the advice that a retry resumes it. Concurrent pulls of one model share one
 * download; it is cancelled only when every caller has cancelled.
 */
import type { Catalog } from './catalog.js';
import { formatBytes } from '../config/units.js';
import { log } from '../util/log.js';
import { parseModelName } from './model-name.js';
import { HostError } from '../engines/host-error.js';
import type { Engine } from '../engines/engine.js';
import type { PhaseReporter } from '../progress/progress.js';
import { quoted } from '../util/shorten.js';

/**
 * A model has a handful of layers; past this many, a host's new "layers" are not counted (nor re-arm the
 * stall limit).
 */
const MAX_LAYERS = 1000;

export interface PullProgress {
  completedBytes: number;
  totalBytes: number;
  /** Ollama's status line: "pulling manifest", "pulling 6a0746a1ec1a", "verifying sha256 digest"… */
  status: string;
  /** The line was about a layer's bytes (otherwise a step of its own, such as verifying). */
  downloading: boolean;
  message: string;
}

export interface PullRequest {
  model: string;
  insecure?: boolean;
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  /** Told of every phase: checking what is installed, then each status of the download with its bytes. */
  progress?: PhaseReporter;
}

export interface PullResult {
  model: string;
  status: 'pulled' | 'already_present';
  sizeBytes: number;
  durationMs: number;
}

interface SharedPull {
  done: Promise<void>;
  listeners: Set<(p: PullProgress) => void>;
  callers: number;
  abort: AbortController;
  last?: PullProgress;
}

export class Puller {
  private readonly running = new Map<string, SharedPull>();

  constructor(
    private readonly backend: Engine,
    private readonly catalog: Catalog,
    private readonly stallMs: number,
  ) {}

  async pull(req: PullRequest): Promise<PullResult> {
    const check = parseModelName(req.model);
    if (!check.ok) throw new HostError('bad_request', check.error, this.backend.host);
    const name = check.name.display;
    const started = performance.now();
    if (!req.force) {
      req.progress?.enter({ kind: 'starting', what: `checking whether ${name} is installed` });
      const present = await this.catalog.get(name, { refresh: true, ...(req.signal && { signal: req.signal }) });
      if (present)
        return {
          model: present.name,
          status: 'already_present',
          sizeBytes: present.sizeBytes,
          durationMs: Math.round(performance.now() - started),
        };
    }

    const shared = this.running.get(name) ?? this.start(name, req.insecure ?? false);
    shared.callers++;
    const listener = (p: PullProgress) => {
      req.onProgress?.(p);
      req.progress?.enter({
        kind: 'pulling',
        model: name,
        status: p.status,
        downloading: p.downloading,
        completedBytes: p.completedBytes,
        totalBytes: p.totalBytes,
      });
    };
    shared.listeners.add(listener);
    if (shared.last) listener(shared.last);
    else
      req.progress?.enter({
        kind: 'pulling',
        model: name,
        status: 'starting the download',
        downloading: false,
        completedBytes: 0,
        totalBytes: 0,
      });
    const onAbort = () => {
      if (--shared.callers === 0) shared.abort.abort();
    };
    req.signal?.addEventListener('abort', onAbort); // an abort happens once
    try {
      // A caller that cancels stops waiting at once, whether or not the download goes on for others.
      await (req.signal ? Promise.race([shared.done, aborted(req.signal, name, this.backend.host)]) : shared.done);
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      // (a caller not aborted is here because the download is over: its count no longer matters)
      shared.listeners.delete(listener);
    }
    const installed = await this.catalog.get(name, { refresh: true });
    return {
      model: installed?.name ?? name,
      status: 'pulled',
      sizeBytes: installed?.sizeBytes ?? 0,
      durationMs: Math.round(performance.now() - started),
    };
  }

  private start(name: string, insecure: boolean): SharedPull {
    const shared: SharedPull = {
      done: Promise.resolve(),
      listeners: new Set(),
      callers: 0,
      abort: new AbortController(),
    };
    shared.done = this.download(name, insecure, shared).finally(() => {
      this.running.delete(name);
      this.catalog.invalidate();
    });
    shared.done.catch(() => undefined); // each caller sees the error through its own await
    this.running.set(name, shared);
    return shared;
  }

  private async download(name: string, insecure: boolean, shared: SharedPull): Promise<void> {
    const layers = new Map<string, { total: number; completed: number }>();
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const stall = new AbortController();
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        stall.abort();
      }, this.stallMs);
      timer.unref();
    };
    const emit = (status: string, downloading: boolean, message: string) => {
      let completed = 0;
      let total = 0;
      for (const l of layers.values()) {
        completed += l.completed;
        total += l.total;
      }
      // Progress never goes backwards, even if Ollama re-reports a layer.
      const progress = {
        completedBytes: Math.max(completed, shared.last?.completedBytes ?? 0),
        totalBytes: Math.max(total, shared.last?.totalBytes ?? 0),
        status,
        downloading,
        message,
      };
      shared.last = progress;
      for (const l of shared.listeners) l(progress);
    };
    arm();
    try {
      // the lines were checked where they entered (the adapter): no nonsense numbers, no huge lines
      let status = '';
      await this.backend.pull(
        name,
        {
          insecure,
          onLine: (line) => {
            const before = [...layers.values()].reduce((s, l) => s + l.completed, 0);
            if (line.digest && line.total && (layers.has(line.digest) || layers.size < MAX_LAYERS)) {
              const layer = layers.get(line.digest) ?? { total: line.total, completed: 0 };
              layer.total = line.total;
              layer.completed = Math.min(layer.total, Math.max(layer.completed, line.completed ?? 0));
              layers.set(line.digest, layer);
            }
            const after = [...layers.values()].reduce((s, l) => s + l.completed, 0);
            // bytes moved, or a new phase began (the same status again and again is no progress)
            if (after > before || (!line.digest && line.status !== status)) arm();
            status = line.status;
            emit(line.status, Boolean(line.digest), describe(line.status, layers.get(line.digest ?? ''), layers));
            if (line.status === 'success') return 'done';
          },
        },
        { timeoutMs: 0, signal: AbortSignal.any([shared.abort.signal, stall.signal]) },
      );
    } catch (err) {
      if (stalled) {
        throw new HostError(
          'timeout',
          `Pulling ${quoted(name)} stalled: no bytes for ${Math.round(this.stallMs / 1000)} s while ` +
            `downloading, so it was stopped. Run pull_model again — Ollama resumes the download where ` +
            `it stopped; on a slow or flaky link raise ollama.pullStallTimeoutMs (${this.stallMs} ms).`,
          this.backend.host,
        );
      }
      const message = err instanceof Error ? err.message : String(err);
      if (/file does not exist|not found/i.test(message) && !(err instanceof HostError && err.kind === 'unreachable')) {
        throw new HostError(
          'model_not_found',
          `${quoted(name)} was not found in the registry — check the name and tag (e.g. on ollama.com/library).`,
          this.backend.host,
        );
      }
      throw err instanceof HostError ? err : this.backend.toError(err, `pulling ${quoted(name)}`);
    } finally {
      clearTimeout(timer);
    }
    log.info(`pulled ${name}`);
  }
}

function describe(
  status: string,
  layer: { total: number; completed: number } | undefined,
  layers: Map<string, { total: number; completed: number }>,
): string {
  if (!layer) return status;
  let completed = 0;
  let total = 0;
  for (const l of layers.values()) {
    completed += l.completed;
    total += l.total;
  }
  const pct = Math.floor((completed / total) * 100); // a layer is counted only with its total, so total > 0
  return `${status} — ${pct}% (${formatBytes(completed)} of ${formatBytes(total)})`;
}

function aborted(signal: AbortSignal, name: string, host: string): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new HostError('aborted', `Pulling ${quoted(name)} was cancelled.`, host));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail);
  });
}
