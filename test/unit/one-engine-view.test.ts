// One view of one engine (issue 75, finding 8): the list another ollm-mcp answers, read as a team's
// box (cloud models left out, every host's models once) or as this machine's engine reached through
// the server of this user planning it (that engine's host alone, cloud models kept); and the
// monitor's section of an engine planned there: its RAM bar, its buttons, the planning process.
import { describe, expect, it } from 'vitest';
import { boxModels, sameAddress } from '../../src/orchestrator/engines/ollm/ollm-answers.js';
import { hostSection, type Host } from '../../src/views/status-hosts.js';

const ref = { who: 'ollm-mcp box', host: '127.0.0.1:3333' };
const model = (name: string, host: string, cloud = false) => ({
  name,
  sizeBytes: cloud ? 384 : 2e9,
  family: 'llama',
  parameterSize: '3B',
  quantization: 'Q4_K_M',
  contextWindow: 8192,
  capabilities: ['completion'],
  loaded: name === 'llama3.2:latest',
  host,
  ...(cloud && { cloud: true }),
});
/** A planner of two hosts: its ollama.host at 127.0.0.1:11434 (a cloud model there), and `second` at :11500. */
const twoHosts = {
  host: '127.0.0.1:11434',
  models: [
    model('llama3.2:latest', 'ollama'),
    model('gpt-oss:120b-cloud', 'ollama', true),
    model('phi3:mini', 'ollama'),
    model('phi3:mini', 'second'),
  ],
  loaded: [
    { name: 'llama3.2:latest', sizeBytes: 2e9, vramBytes: 0, expiresAt: '2318-01-01T00:00:00Z', host: 'ollama' },
  ],
  hosts: [
    { name: 'ollama', url: '127.0.0.1:11434', reachable: true },
    { name: 'second', url: '127.0.0.1:11500', reachable: true },
  ],
};
const names = (r: ReturnType<typeof boxModels>) => r.installed.map((m) => m.name).sort();

describe("another ollm-mcp's list", () => {
  it('a team box (hosts: kind ollm): cloud models left out, each model once whatever host lists it', () => {
    const r = boxModels(twoHosts, ref);
    expect(names(r)).toEqual(['llama3.2:latest', 'phi3:mini']);
    expect(r.there).toBeUndefined();
  });

  it("this machine's engine through its planner: that engine's host alone, cloud models kept as cloud", () => {
    const r = boxModels(twoHosts, ref, 'localhost:11434');
    expect(names(r)).toEqual(['gpt-oss:120b-cloud', 'llama3.2:latest', 'phi3:mini']);
    expect(r.there).toBe('ollama');
    expect(r.installed.find((m) => m.name === 'gpt-oss:120b-cloud')).toMatchObject({
      remote_host: expect.stringContaining('ollama.com'),
    });
    expect(r.loaded.map((m) => m.name)).toEqual(['llama3.2:latest']);
    const other = boxModels(twoHosts, ref, '[::1]:11500');
    expect(names(other)).toEqual(['phi3:mini']);
    expect(other.there).toBe('second');
    expect(other.loaded).toEqual([]);
  });

  it('a planner of one host lists that engine alone: all of it is kept', () => {
    const { hosts: _h, ...one } = twoHosts;
    expect(
      names(boxModels({ ...one, models: one.models.filter((m) => m.host === 'ollama') }, ref, '127.0.0.1:11434')),
    ).toHaveLength(3);
  });

  it('addresses: loopback names alike, ports apart', () => {
    expect(sameAddress('localhost:11434', '127.0.0.1:11434')).toBe(true);
    expect(sameAddress('http://[::1]:11434', '127.0.0.1:11434')).toBe(true);
    expect(sameAddress('127.0.0.1:11434', '127.0.0.1:11435')).toBe(false);
    expect(sameAddress('gpubox:11434', '127.0.0.1:11434')).toBe(false);
  });
});

describe("the monitor's section of an engine another server of the user plans", () => {
  const host: Host = {
    name: 'ollama',
    kind: 'ollama',
    url: '127.0.0.1:11434',
    reachable: true,
    managesMemory: true,
    plannedBy: 4242,
    memory: { budgetBytes: 12e9, headroomBytes: 6e9 },
    capacity: { kind: 'cpu', ramTotalBytes: 24e9, ramAvailableBytes: 18e9 },
    loaded: [
      {
        name: 'llama3.2:latest',
        sizeBytes: 2e9,
        vramBytes: 0,
        expiresAt: '2318-01-01T00:00:00Z',
        keptForever: true,
        pinned: false,
        requestsRunning: 0,
      },
    ],
    requestsRunning: 0,
  };
  const html = hostSection(host, { metrics: {}, memory: { budgetBytes: 1e9, headroomBytes: 0 } });

  it('shows its RAM bar with the planning server budget, Unload and Pin buttons, and which process plans it', () => {
    expect(html).toContain('data-bar="RAM"');
    expect(html).toContain('budget 12.0 GB');
    expect(html).not.toContain('no headroom');
    expect(html).toMatch(/<button[^>]*data-act="unload"[^>]*data-host="ollama"[^>]*data-name="llama3.2:latest"/);
    expect(html).toMatch(/<button[^>]*data-act="pin"[^>]*data-name="llama3.2:latest"/);
    expect(html).toContain('planned by ollm-mcp process 4242');
    expect(html).not.toContain('no memory is planned there');
  });

  it("its planner's status not read (an earlier version, gone a moment): still named, no memory claimed", () => {
    const bare = hostSection(
      { ...host, managesMemory: false, capacity: undefined, loaded: undefined },
      { metrics: {} },
    );
    expect(bare).toContain('planned by ollm-mcp process 4242');
    expect(bare).not.toContain('data-bar');
  });
});
