/**
 * The model another agent uses that a copy's load would unload (route/window-cost.ts othersModelTaken), which a
 * split job's choice passes such a copy over for (offload-split.ts splitChoice): named only for a copy not loaded,
 * on an engine whose memory this server plans, whose load unloads a model a request runs or waits on, another
 * client of the engine holds, or another agent was served by within the minute — never one only the asker used.
 */
import { describe, expect, it } from 'vitest';
import { othersModelTaken } from '../../src/orchestrator/route/window-cost.js';
import type { Sizing } from '../../src/orchestrator/route/offload-sizing.js';
import type { Windowed } from '../../src/orchestrator/fleet/windows.js';

interface Use {
  plans?: boolean;
  served?: string[];
  running?: number;
  waiting?: number;
}

const CODER = 'qwen2.5-coder:7b';

/** `ann`'s job over two hosts, `second` holding qwen2.5-coder:7b used as `use` says. */
function sizing(use: Use): Sizing {
  const host = (name: string, u: Use) => ({
    host: {
      name,
      engine: { can: { managesMemory: u.plans ?? true } },
      loader: {
        servedOthers: (_m: string, client: string) => (u.served ?? []).some((x) => x !== client),
        requestsOn: () => u.running ?? 0,
        queueOn: () => ({ waiting: Array.from({ length: u.waiting ?? 0 }) }),
      },
    },
  });
  return {
    views: [host('ollama', {}), host('second', use)],
    req: { agent: 'ann', client: 'ann' },
  } as unknown as Sizing;
}

const cold = { name: 'llama3.1:8b', host: 'second', loaded: false, contextWindow: 8192, loadUnloads: [CODER] };
const copy = (m: Partial<Windowed>) => ({ ...cold, ...m }) as Windowed;

describe('othersModelTaken', () => {
  it("names the model another agent uses that the copy's load would unload", () => {
    expect(othersModelTaken(sizing({ served: ['bob'] }), copy({}))).toBe(CODER);
    expect(othersModelTaken(sizing({ running: 1 }), copy({}))).toBe(CODER);
    expect(othersModelTaken(sizing({ waiting: 1 }), copy({}))).toBe(CODER);
  });

  it("names none for the asker's own, a loaded copy, a load unloading nothing, or an engine another server plans", () => {
    expect(othersModelTaken(sizing({ served: ['ann'] }), copy({}))).toBeUndefined();
    expect(othersModelTaken(sizing({ served: ['bob'] }), copy({ loaded: true }))).toBeUndefined();
    expect(othersModelTaken(sizing({ served: ['bob'] }), copy({ loadUnloads: [] }))).toBeUndefined();
    expect(othersModelTaken(sizing({ served: ['bob'] }), copy({ loadUnloads: undefined }))).toBeUndefined();
    expect(othersModelTaken(sizing({ served: ['bob'], plans: false }), copy({}))).toBeUndefined();
  });
});
