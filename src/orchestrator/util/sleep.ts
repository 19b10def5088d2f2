/**
 * Waits `ms`. With a `signal`, it ends early — resolved, not rejected — as soon as the signal
 * aborts (at once when it already has), its listener removed either way, so polls do not pile
 * listeners on one signal. With `unref`, its timer keeps no process alive.
 */
export function sleep(ms: number, options: { signal?: AbortSignal | undefined; unref?: boolean } = {}): Promise<void> {
  const { signal, unref = false } = options;
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    if (unref) t.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
