/**
 * Engine versions with known holes (issue 83, finding 8) and a llama-server several agents share (finding 9):
 * doctor and show_status name each engine's release from its own answer (the fakes' /api/version and /props
 * build_info), warn with the release to upgrade to, and doctor says when a shared llama-server keeps its prompt
 * cache in RAM — not when its router's args say --cache-ram 0.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { renderStatus } from '../../src/tools/status-text.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp, type FakeLlamacppOptions } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const memorySource = {
  memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
  gpus: async () => [],
};

/** An Ollama of `version`, and with `llama` a llama-server host beside it; `yaml` is added to the settings. */
async function setup(opts: { version: string; llama?: Partial<FakeLlamacppOptions>; yaml?: string }) {
  return (await setupWith(opts)).orch;
}

async function setupWith(opts: { version: string; llama?: Partial<FakeLlamacppOptions>; yaml?: string }) {
  const ollama = await FakeOllama.start({ models: [], version: opts.version });
  stops.push(() => ollama.stop());
  let yaml = opts.yaml ?? '';
  if (opts.llama) {
    const llama = await FakeLlamacpp.start({ models: [{ id: 'storiesA', file: STORIES }], ...opts.llama });
    stops.push(() => llama.stop());
    yaml += `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${llama.url}\n`;
  }
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), yaml);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
  const orch = new Orchestrator(config, { memorySource });
  stops.push(() => orch.shutdown(200));
  return { orch, ollama };
}

/** Two agents with their own HTTP token: several agents use the hosts. */
const TWO_AGENTS = 'http:\n  tokens:\n    alice: {tokenEnv: ALICE_TOKEN}\n    bob: {tokenEnv: BOB_TOKEN}\n';

describe('doctor: the engines’ releases and their known holes', () => {
  it('Ollama 0.34.2: a warning naming the hole, with "upgrade to 0.35.0 or newer"', async () => {
    const orch = await setup({ version: '0.34.2' });
    const { checks } = await runDoctor(orch);
    expect(checks.find((c) => c.name === 'Engine versions')).toMatchObject({
      level: 'ok',
      detail: 'ollama: Ollama 0.34.2',
    });
    const warned = checks.filter((c) => c.name === 'Engine version');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 'warn', detail: expect.stringContaining('CVE-2026-103663') });
    expect(warned[0]!.detail).toMatch(/^ollama \(127\.0\.0\.1:\d+\): Ollama 0\.34\.2 has known hole: /);
    expect(warned[0]!.fix).toMatch(/^upgrade to 0\.35\.0 or newer/);
  });

  it('Ollama 0.35.1: named, and no warning', async () => {
    const orch = await setup({ version: '0.35.1' });
    const { checks } = await runDoctor(orch);
    expect(checks.find((c) => c.name === 'Engine versions')?.detail).toBe('ollama: Ollama 0.35.1');
    expect(checks.filter((c) => c.name === 'Engine version')).toEqual([]);
    expect(checks.some((c) => /upgrade to/.test(`${c.detail} ${c.fix ?? ''}`))).toBe(false);
  });

  it("a llama-server's build_info: b9059 warns with the highest fix, an unreadable one is unknown", async () => {
    const old = await setup({ version: '0.35.1', llama: { buildInfo: 'b9059-1a2b3c4' } });
    const { checks } = await runDoctor(old);
    expect(checks.find((c) => c.name === 'Engine versions')?.detail).toBe(
      'ollama: Ollama 0.35.1; llama: llama.cpp b9059',
    );
    const warned = checks.filter((c) => c.name === 'Engine version');
    expect(warned.map((c) => c.detail)).toEqual([expect.stringMatching(/^llama \(.*CVE-2026-43631.*CVE-2026-134540/)]);
    expect(warned[0]!.detail).not.toContain('CVE-2026-43629'); // b4882 through b9058
    expect(warned[0]!.fix).toMatch(/^upgrade to b12405 or newer/);

    const unknown = await setup({ version: '0.35.1', llama: { buildInfo: 'b1-de3ff81' } });
    const again = await runDoctor(unknown);
    expect(again.checks.find((c) => c.name === 'Engine versions')?.detail).toBe(
      'ollama: Ollama 0.35.1; llama: llama.cpp (version unknown)',
    );
    expect(again.checks.filter((c) => c.name === 'Engine version')).toEqual([]);
  });
});

describe('show_status: each host names its release', () => {
  it('in the fleet status as plain data, and in the text with a short line for known holes', async () => {
    const orch = await setup({ version: '0.34.2', llama: { buildInfo: 'b12600-fa4e000', router: false } });
    const fleet = await orch.fleetStatus();
    expect(fleet.hosts.find((h) => h.name === 'ollama')).toMatchObject({
      engineVersion: 'Ollama 0.34.2',
      knownHoles: { ids: ['CVE-2026-103663'], fix: 'upgrade to 0.35.0 or newer' },
    });
    const llama = fleet.hosts.find((h) => h.name === 'llama')!;
    expect(llama).toMatchObject({ engineVersion: 'llama.cpp b12600' });
    expect(llama).not.toHaveProperty('knownHoles');
    const text = renderStatus(fleet, '');
    expect(text).toMatch(/^ollama \(Ollama 0\.34\.2, 127\.0\.0\.1:\d+\): /);
    expect(text).toContain('.\n- known holes: CVE-2026-103663; upgrade to 0.35.0 or newer\n');
    expect(text).toMatch(/\n\nllama \(llama\.cpp b12600, 127\.0\.0\.1:\d+\): /);
    expect(text.match(/known holes/g)).toHaveLength(1);
  });

  it('asks the engine its release once a minute however often the status is read', async () => {
    const { orch, ollama } = await setupWith({ version: '0.34.2' });
    const asked = () => ollama.requests.filter((r) => r.path === '/api/version').length;
    const before = asked();
    for (let i = 0; i < 3; i++)
      expect((await orch.fleetStatus()).hosts[0]).toMatchObject({ engineVersion: 'Ollama 0.34.2' });
    expect(asked() - before).toBe(1);
  });
});

describe('doctor: a llama-server several agents share, and its prompt cache in RAM', () => {
  const shared = <C extends { name: string }>(checks: C[]) => checks.filter((c) => c.name === 'Shared llama-server');

  it('a single llama-server with four slots, two agents: warned of (its /props does not say the cache is off)', async () => {
    const orch = await setup({
      version: '0.35.1',
      llama: { router: false, models: [{ id: 'storiesA', file: STORIES, runtime: { nCtx: 512, slots: 4 } }] },
      yaml: TWO_AGENTS,
    });
    const [warned, ...more] = shared((await runDoctor(orch)).checks);
    expect(more).toEqual([]);
    expect(warned).toMatchObject({
      level: 'warn',
      detail: expect.stringMatching(/^llama \(127\.0\.0\.1:\d+\): 2 agents use it through ollm-mcp \(alice, bob\)/),
      fix: expect.stringContaining('--cache-ram 0'),
    });
    expect(warned!.detail).toContain('its /props does not say whether it is on');
  });

  it('a router whose models run with the cache on is warned of by model; with --cache-ram 0, not', async () => {
    const on = await setup({ version: '0.35.1', llama: {}, yaml: TWO_AGENTS });
    expect(shared((await runDoctor(on)).checks).map((c) => c.detail)).toEqual([
      expect.stringContaining('its models storiesA:latest run with it on'),
    ]);
    const off = await setup({ version: '0.35.1', llama: { cacheRamMiB: 0 }, yaml: TWO_AGENTS });
    expect(shared((await runDoctor(off)).checks)).toEqual([]);
  });

  it('one agent: nothing is shared, nothing said', async () => {
    const orch = await setup({
      version: '0.35.1',
      llama: { router: false },
      yaml: 'http:\n  tokens:\n    alice: {tokenEnv: ALICE_TOKEN}\n',
    });
    expect(shared((await runDoctor(orch)).checks)).toEqual([]);
  });
});
