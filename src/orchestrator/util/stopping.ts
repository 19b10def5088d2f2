/** The reason every call in flight is aborted with when the server shuts down, so messages can say so. */
export class ServerStopping extends Error {
  override name = 'ServerStopping';
  constructor() {
    super('the server is stopping');
  }
}

/** "… was cancelled" for a caller's cancel, "… was stopped: the server is stopping" at shutdown. */
export function cancelledText(what: string, signal: AbortSignal | undefined): string {
  return signal?.reason instanceof ServerStopping ? `${what} was stopped: the server is stopping.` : `${what} was cancelled.`;
}
