/**
 * The fake llama-server's load figures, as the real one answers them: GET /metrics only when
 * started with --metrics (else 501 "This server does not support metrics endpoint. Start it with
 * `--metrics`"), GET /slots unless --no-slots (501 then). A router answers them per model:
 * `?model=ID` (400 "model name is missing from the request" without), 400 "model is not loaded" for
 * a model not running. The figures: the requests it serves now, and other clients' set by a test.
 */
import { type LoadFigures, llamaServerMetrics, llamaServerSlots } from '../fake-openai/load.js';

export interface LoadState {
  router: boolean;
  metrics: boolean;
  slots: boolean;
  /**
   * The model asked about: its slots, the requests it serves now, whether it runs; undefined when there is
   * none of that name.
   */
  model(id: string | undefined): { slots: number; serving: number; running: boolean } | undefined;
  /** Other clients' requests, per model id ('' for a single server's one). */
  others: Map<string, LoadFigures>;
}

type Answer = { status: number; body: string; contentType: string };

const error = (status: number, message: string, type: string): Answer => ({
  status,
  body: JSON.stringify({ error: { code: status, message, type } }),
  contentType: 'application/json',
});

export function loadAnswer(s: LoadState, path: string, asked: string | null): Answer | undefined {
  if (path !== '/metrics' && path !== '/slots') return undefined;
  const which = path.slice(1);
  if (!(path === '/metrics' ? s.metrics : s.slots))
    return error(
      501,
      `This server does not support ${which} endpoint. Start it with \`--${which}\``,
      'not_supported_error',
    );
  if (s.router && asked === null) return error(400, 'model name is missing from the request', 'invalid_request_error');
  const m = s.model(s.router ? (asked ?? undefined) : undefined);
  if (!m) return error(400, `model '${asked ?? ''}' not found`, 'invalid_request_error');
  if (!m.running) return error(400, 'model is not loaded', 'invalid_request_error');
  const others = s.others.get(s.router ? asked! : '') ?? { running: 0, waiting: 0 };
  const figures = { running: m.serving + others.running, waiting: others.waiting };
  if (path === '/metrics')
    return { status: 200, body: llamaServerMetrics(figures), contentType: 'text/plain; version=0.0.4' };
  return {
    status: 200,
    body: llamaServerSlots(m.slots, Math.min(m.slots, figures.running)),
    contentType: 'application/json',
  };
}
