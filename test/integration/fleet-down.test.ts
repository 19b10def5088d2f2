// A fleet with one Ollama host down — the first (ollama.host) or another, among 2 or 3 hosts: every
// read and every placement still works with the hosts that answer, and says which one is down.
import { closedAddress } from '../helpers/closed-address.js';
import { afterEach, describe, expect, it } from 'vitest';
import { compare } from '../../src/orchestrator/jobs/compare.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const GiB = 1024 ** 3;
const fakes: FakeOllama[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

/** An address nothing listens on: connections are refused. */

const NAMES = ['ollama', 'gpubox', 'spare'];
/** llava:7b is installed on gpubox only, gemma3:4b on spare only. */
const modelsOf = (name: string) =>
  DEFAULT_REGISTRY.filter(
    (m) => (m.name !== 'llava:7b' || name === 'gpubox') && (m.name !== 'gemma3:4b' || name === 'spare'),
  );

/**
 * `count` Ollama hosts; the one at index `down` refuses connections (ollama.host by a closed address, the
 * others by going offline).
 */
async function fleet(count: number, down: number) {
  const started = await Promise.all(
    NAMES.slice(0, count).map((name) =>
      FakeOllama.start({
        memoryBytes: 32e9,
        gpus: [{ vramBytes: 24 * GiB }],
        defaultNumCtx: 4096,
        models: modelsOf(name),
        tokenDelayMs: 0,
        loadDelayMs: 1,
      }),
    ),
  );
  fakes.push(...started);
  const primary = down === 0 ? await closedAddress() : started[0]!.host;
  const yaml = [
    'ollama:',
    '  capacity: {ram: 32GB, vram: 24GiB}',
    '  contextLength: 4096',
    'hosts:',
    ...NAMES.slice(1, count).map(
      (n, i) =>
        `  - {name: ${n}, kind: ollama, url: "${started[i + 1]!.url}", capacity: {ram: 32GB, vram: ` +
        `24GiB}, contextLength: 4096}`,
    ),
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ].join('\n');
  if (down > 0) started[down]!.setOffline(true);
  const core = await coreFor(started[down === 0 ? 1 : 0]!, { yaml, totalBytes: 32e9, env: { OLLM_HOST: primary } });
  return { core, fakes: started, downName: NAMES[down]!, upNames: NAMES.slice(0, count).filter((_, i) => i !== down) };
}

describe.each([
  { count: 2, down: 0 },
  { count: 2, down: 1 },
  { count: 3, down: 0 },
  { count: 3, down: 2 },
])('$count Ollama hosts, host #$down down', ({ count, down }) => {
  it('list_models lists the hosts that answer and names the one that does not', async () => {
    const { core, downName, upNames } = await fleet(count, down);
    const list = await core.listModels();
    expect(list.unreachable).toEqual([
      expect.objectContaining({
        name: downName,
        error: expect.stringMatching(/not reachable|ECONNRESET|refused/),
        next: expect.any(String),
      }),
    ]);
    expect(list.hosts?.filter((h) => !h.reachable).map((h) => h.name)).toEqual([downName]);
    expect(new Set(list.models.map((m) => m.host))).toEqual(new Set(upNames));
    expect(list.models.some((m) => m.host === downName)).toBe(false);
  });

  it(
    'show_status, ollm://fleet, ollm://system/ram, ollm://models/loaded, ollm://models/database ' +
      'and a model card all answer, naming the host down',
    async () => {
      const { core, downName, upNames } = await fleet(count, down);
      const status = await core.fleetStatus();
      expect(status.unreachable?.map((d) => d.name)).toEqual([downName]);
      expect(status.hosts.filter((h) => h.kind === 'ollama' && h.reachable).map((h) => h.name)).toEqual(upNames);
      const ram = await core.ramStatus();
      expect('unreachable' in ram && ram.unreachable?.map((d) => d.name)).toEqual([downName]);
      const loaded = await core.loadedStatus();
      expect(loaded.unreachable?.map((d) => d.name)).toEqual([downName]);
      const db = await core.modelDatabase();
      expect(db.installed.length).toBeGreaterThan(0);
      expect(db.ollama.unreachable?.map((d) => d.name)).toEqual([downName]);
      const card = await core.modelCard('llama3.2');
      expect(upNames).toContain(card.host);
    },
  );

  it('doctor warns about the host down and still passes', async () => {
    const { core, downName } = await fleet(count, down);
    const report = await runDoctor(core);
    expect(report.ok).toBe(true);
    const named = report.checks.find((c) => c.name === (downName === 'ollama' ? 'Ollama' : `Host ${downName}`))!;
    expect(named).toMatchObject({ level: 'warn', fix: expect.stringMatching(/other/) });
    expect(report.checks.find((c) => c.name === 'Models')).toMatchObject({ level: 'ok' });
  });

  it('route_and_generate, smart_load (by task and by name) and compare run on the hosts that answer', async () => {
    const { core, fakes: all, upNames } = await fleet(count, down);
    const r = await routeAndGenerate(core, { prompt: 'Explain what DNS does in two sentences', task: 'general' });
    expect(r.provider).toBe('ollama');
    expect(upNames).toContain(r.host);
    const byTask = await smartLoad(core, { task: 'fast' });
    expect(upNames).toContain(byTask.host);
    expect(['loaded', 'already_loaded']).toContain(byTask.action);
    const only = down === 1 ? undefined : 'llava:7b'; // installed on gpubox alone, which is up
    if (only) expect(await smartLoad(core, { model: only })).toMatchObject({ host: 'gpubox', action: 'loaded' });
    const c = await compare(core, { prompt: 'Say hi', models: ['llama3.2', 'phi3:mini'] });
    expect(c.results.map((e) => e.error)).toEqual([undefined, undefined]);
    expect(all[down]!.requests.filter((q) => q.path === '/api/generate')).toEqual([]);
  });
});

describe('a model only on the host that is down', () => {
  it('smart_load and show_model say it may be there and how to bring that host back', async () => {
    const { core } = await fleet(2, 1);
    await expect(smartLoad(core, { model: 'llava:7b' })).rejects.toThrow(
      /llava:7b is not installed on the Ollama host that answers \(ollama\); it may be on one that does not\. Ollama host gpubox \(.+\) is not reachable \(.+\) — start Ollama on that machine, or correct hosts\.gpubox\.url in settings; the other hosts serve meanwhile\./,
    );
    await expect(core.modelCard('llava:7b')).rejects.toThrow(/gpubox/);
  });
});
