// A host's own load figures can be switched off (hosts.NAME.loadFigures: false, issue 57 item 4):
// that engine is then never asked for /slots or /metrics, and placement sees no figures from it;
// left out, they are read as before.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { renderStatus } from '../../src/tools/status-text.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function routerHost(extra: string) {
  const router = await FakeLlamacpp.start({ models: [{ id: 'stories', file: STORIES }], modelsMax: 1, metrics: true });
  stops.push(() => router.stop());
  const home = tempDir('ollm-home-');
  writeFileSync(
    join(home, 'config.yaml'),
    `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n${extra}`,
  );
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: 'http://127.0.0.1:9' } });
  const orch = new Orchestrator(config, {
    memorySource: {
      memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    },
  });
  stops.push(() => orch.shutdown(200));
  const host = orch.fleet.hosts.find((h) => h.name === 'llama')!;
  // a model running there, so the router has figures to give
  await host.engine.list();
  await host.engine.load({ model: 'stories', keepAlive: '5m' });
  for (let i = 0; i < 100 && router.status('stories') !== 'loaded'; i++) await new Promise((r) => setTimeout(r, 10));
  const asked = () => router.requests.filter((r) => r.path === '/slots' || r.path === '/metrics').length;
  return { host, asked, orch };
}

describe('hosts.NAME.loadFigures', () => {
  it('left out: the engine is asked and its figures read — and show_status says them', async () => {
    const { host, asked, orch } = await routerHost('');
    expect(await host.engine.loadFigures!()).toBeDefined();
    expect(asked()).toBeGreaterThan(0);
    const fleet = await orch.fleetStatus();
    expect(fleet.hosts.find((h) => h.name === 'llama')).toMatchObject({ engineLoad: { running: 0, waiting: 0 } });
    expect(renderStatus(fleet, '')).toMatch(
      /llama \(llama\.cpp b12600, [^)]+\): .*request\(s\) in flight; the engine counts 0 running, 0 waiting \(every client's\)\./,
    );
  });

  it('false: the engine is never asked, and there are no figures', async () => {
    const { host, asked, orch } = await routerHost('    loadFigures: false\n');
    expect(await host.engine.loadFigures!()).toBeUndefined();
    expect(await host.engine.loadFigures!({ waitMs: 50 })).toBeUndefined();
    expect(asked()).toBe(0);
    const fleet = await orch.fleetStatus();
    expect(fleet.hosts.find((h) => h.name === 'llama')).not.toHaveProperty('engineLoad');
    expect(renderStatus(fleet, '')).not.toContain('the engine counts');
  });
});
