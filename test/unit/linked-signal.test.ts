/**
 * A call's signal linked to the server's (util/stopping.ts linkedSignal): aborted by either, unlinked once
 * the call is over.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedSignal, ServerStopping } from '../../src/orchestrator/util/stopping.js';

describe('linkedSignal', () => {
  it("aborted by the request's signal or by the server's, with that one's reason", () => {
    const [request, server] = [new AbortController(), new AbortController()];
    const a = linkedSignal(request.signal, server.signal);
    request.abort(new Error('cancelled by its client'));
    expect(a.signal.aborted).toBe(true);
    expect((a.signal.reason as Error).message).toBe('cancelled by its client');
    const b = linkedSignal(new AbortController().signal, server.signal);
    server.abort(new ServerStopping());
    expect(b.signal.reason).toBeInstanceOf(ServerStopping);
  });

  it('aborted at once when either is already', () => {
    const stopped = new AbortController();
    stopped.abort(new ServerStopping());
    expect(linkedSignal(new AbortController().signal, stopped.signal).signal.reason).toBeInstanceOf(ServerStopping);
    expect(linkedSignal(stopped.signal, new AbortController().signal).signal.aborted).toBe(true);
  });

  it(
    "released, it leaves no listener on the server's signal and is no longer aborted by it; " +
      'thousands of calls leave nothing behind',
    () => {
      const server = new AbortController();
      for (let i = 0; i < 5000; i++) linkedSignal(new AbortController().signal, server.signal).release();
      expect(getEventListeners(server.signal, 'abort')).toHaveLength(0);
      const request = new AbortController();
      const linked = linkedSignal(request.signal, server.signal);
      expect(getEventListeners(server.signal, 'abort')).toHaveLength(1); // linked while the call runs
      linked.release();
      expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
      server.abort(new ServerStopping());
      expect(linked.signal.aborted).toBe(false);
    },
  );

  it('aborted once, by the first: the other one aborting later changes nothing, and leaves no listener', () => {
    const [request, server] = [new AbortController(), new AbortController()];
    const linked = linkedSignal(request.signal, server.signal);
    request.abort(new Error('first'));
    expect(getEventListeners(server.signal, 'abort')).toHaveLength(0);
    server.abort(new ServerStopping());
    expect((linked.signal.reason as Error).message).toBe('first');
  });
});
