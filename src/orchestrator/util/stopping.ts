/** The reason every call in flight is aborted with when the server shuts down, so messages can say so. */
export class ServerStopping extends Error {
  override name = 'ServerStopping';
  constructor() {
    super('the server is stopping');
  }
}

/** "… was cancelled" for a caller's cancel, "… was stopped: the server is stopping" at shutdown. */
export function cancelledText(what: string, signal: AbortSignal | undefined): string {
  return signal?.reason instanceof ServerStopping
    ? `${what} was stopped: the server is stopping.`
    : `${what} was cancelled.`;
}

/**
 * A signal aborted by either of two — a request's and the server's, which lives as long as the
 * server — with `release` to unlink it from them once the request is over. Not AbortSignal.any:
 * on Node 20 each signal it makes stays in its sources' list of dependants for as long as they
 * live (nodejs/node#55351), so one made per call from the server's signal grew the heap on every
 * call. Aborted with the first one's reason.
 */
export function linkedSignal(request: AbortSignal, server: AbortSignal): { signal: AbortSignal; release(): void } {
  const linked = new AbortController();
  const first = [request, server].find((s) => s.aborted);
  if (first) {
    linked.abort(first.reason);
    return { signal: linked.signal, release: () => undefined };
  }
  const onAbort = (event: Event) => {
    release();
    linked.abort((event.target as AbortSignal).reason);
  };
  const release = () => {
    request.removeEventListener('abort', onAbort);
    server.removeEventListener('abort', onAbort);
  };
  request.addEventListener('abort', onAbort, { once: true });
  server.addEventListener('abort', onAbort, { once: true });
  return { signal: linked.signal, release };
}
