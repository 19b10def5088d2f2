/**
 * Which copy loaded narrower a split job may reload for its parts (route/window-cost.ts partsReloadMs;
 * issue 82, Deliver 1): an idle one that served the asking agent within the minute and no other, on an engine
 * whose memory this server plans — its reload as long as the model's loads took here. Each condition alone
 * keeps the copy's window: another agent served by it, its asker never served by it (a client of the engine
 * this server does not see loaded it), a request running on it, or another ollm-mcp server planning the engine.
 */
import { describe, expect, it } from 'vitest';
import { partsReloadMs } from '../../src/orchestrator/route/window-cost.js';
import type { Sizing } from '../../src/orchestrator/route/offload-sizing.js';
import type { Windowed } from '../../src/orchestrator/fleet/windows.js';

interface Copy {
  plans?: boolean;
  served?: string[];
  running?: number;
}

const MODEL = 'llama3.1:8b';

/** The job of `ann` over two hosts: `second` holding the model loaded at 4k as `copy` says. */
function sizing(copy: Copy): Sizing {
  const host = (name: string, c: Copy) => ({
    host: {
      name,
      engine: { can: { managesMemory: c.plans ?? true } },
      loader: {
        servedBy: (_m: string, client: string) => (c.served ?? []).includes(client),
        servedOthers: (_m: string, client: string) => (c.served ?? []).some((x) => x !== client),
        requestsOn: () => c.running ?? 0,
        queueOn: () => ({ waiting: [] }),
        busy: () => [],
      },
    },
  });
  return {
    views: [host('ollama', {}), host('second', copy)],
    req: { agent: 'ann', client: 'ann' },
    job: { records: { metrics: { all: () => ({ [MODEL]: { loads: 2, avgLoadMs: 1234 } }), loadSpeed: () => 1e9 } } },
  } as unknown as Sizing;
}

const narrow = { name: MODEL, host: 'second', loaded: true, loadedWindow: 4096, contextWindow: 8192 } as Windowed;

describe('partsReloadMs', () => {
  it("is the model's load time here for an idle copy only its asker used, on an engine this server plans", () => {
    expect(partsReloadMs(sizing({ served: ['ann'] }), narrow)).toBe(1234);
  });

  it('is none when another agent used it, its asker never did, a request runs on it, or another server plans it', () => {
    expect(partsReloadMs(sizing({ served: ['ann', 'bob'] }), narrow)).toBeUndefined();
    expect(partsReloadMs(sizing({ served: [] }), narrow)).toBeUndefined();
    expect(partsReloadMs(sizing({ served: ['ann'], running: 1 }), narrow)).toBeUndefined();
    expect(partsReloadMs(sizing({ served: ['ann'], plans: false }), narrow)).toBeUndefined();
  });
});
