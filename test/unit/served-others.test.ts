/**
 * A model in use between its agents' calls (loading/host-requests.ts servedOthers): what keeps an idle copy
 * from being reloaded wider for one agent's work while another agent is using it (route/window-cost.ts).
 */
import { describe, expect, it } from 'vitest';
import { HostRequests, SHARED_RECENT_MS } from '../../src/orchestrator/loading/host-requests.js';

function requests() {
  const clock = { t: 1_000_000 };
  return { r: new HostRequests(() => clock.t, 'http://box:11434'), clock };
}

const serve = async (r: HostRequests, model: string, client: string) =>
  (await r.admit(model, { client, tokens: 10 }))();

describe('servedOthers', () => {
  it('counts another client served within the minute, never the asking one', async () => {
    const { r, clock } = requests();
    await serve(r, 'llama3.1:8b', 'alice');
    expect(r.servedOthers('llama3.1:8b', 'alice')).toBe(false);
    expect(r.servedOthers('llama3.1:8b', 'bob')).toBe(true);
    await serve(r, 'phi3', 'alice');
    expect(r.servedOthers('phi3:latest', 'bob')).toBe(true); // the same model, named with its tag
    expect(r.servedOthers('qwen2.5-coder:7b', 'bob')).toBe(false);
    clock.t += SHARED_RECENT_MS;
    expect(r.servedOthers('llama3.1:8b', 'bob')).toBe(true);
    clock.t += 1;
    expect(r.servedOthers('llama3.1:8b', 'bob')).toBe(false);
  });

  it('a request still running counts from its end, and clients long gone are forgotten', async () => {
    const { r, clock } = requests();
    const done = await r.admit('llama3.1:8b', { client: 'alice', tokens: 10 });
    clock.t += 2 * SHARED_RECENT_MS;
    done();
    clock.t += SHARED_RECENT_MS - 1;
    expect(r.servedOthers('llama3.1:8b', 'bob')).toBe(true);
    for (let i = 0; i < 100; i++) {
      clock.t += SHARED_RECENT_MS + 1;
      await serve(r, 'llama3.1:8b', `c${i}`);
    }
    expect(r.servedOthers('llama3.1:8b', 'c99')).toBe(false);
  });
});
