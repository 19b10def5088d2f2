// doctor names what does not fit: loaded models over the budget (the RAM line warns, never ✓), installed
// models that never can.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { fitChecks, overBudget, ramChecks } from '../../src/orchestrator/doctor-memory.js';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import type { LoadedModel, ModelSummary, RamSummary } from '../../src/orchestrator/index.js';
import { tempDir } from '../helpers/temp.js';

const GB = 1e9;

const ram = (budgetBytes: number): RamSummary => ({
  totalBytes: 16 * GB,
  availableBytes: 8 * GB,
  swapTotalBytes: 0,
  swapUsedBytes: 0,
  budgetBytes,
  loadedBytes: 0,
  headroomBytes: 0,
  safetyMargin: 0.2,
  bufferBytes: 0,
  smallModelBytes: 4 * GB,
  gpus: [],
  host: {
    kind: 'cpu',
    source: 'this machine',
    note: 'read here',
    ramTotalBytes: 16 * GB,
    maxLoadedModels: 3,
    numParallel: 1,
  },
});
const loaded = (name: string, sizeBytes: number, vramBytes = 0): LoadedModel => ({
  name,
  sizeBytes,
  vramBytes,
  expiresAt: new Date().toISOString(),
  keptForever: false,
});
const model = (
  name: string,
  requiredBytes: number,
  fits: boolean,
  extra: Partial<ModelSummary> = {},
): ModelSummary => ({
  name,
  sizeBytes: requiredBytes,
  family: 'llama',
  parameterSize: '8B',
  quantization: 'Q4_K_M',
  contextWindow: 8192,
  capabilities: ['completion'],
  profiles: ['general'],
  loaded: false,
  requiredBytes,
  fits,
  fitsNow: fits,
  ...extra,
});

describe('the Ollama host memory line (issue 75, finding 11)', () => {
  const unknownHost = (): RamSummary => ({
    ...ram(4 * GB),
    host: { kind: 'unknown', source: 'unknown', note: 'remote, no capacity set', maxLoadedModels: 3, numParallel: 1 },
  });
  const line = (reached: boolean) =>
    ramChecks(unknownHost(), [], reached).find((c) => c.name === 'Ollama host memory')!;

  it(
    'a host that did not answer (a typo in its address, or down): no capacity advice beside the ' +
      'fix of its address',
    () => {
      expect(line(false)).toMatchObject({ level: 'ok' });
      expect(line(false)).not.toHaveProperty('fix');
    },
  );

  it('the other side: a host that answers with its capacity unknown is told to set it', () => {
    expect(line(true)).toMatchObject({ level: 'warn', fix: expect.stringMatching(/^set ollama\.capacity/) });
  });
});

describe('the RAM line', () => {
  it(
    'loaded models over the budget make it a warning, not ✓, naming each largest first by its ' +
      'share of RAM, and what to unload',
    () => {
      const loadedNow = [
        loaded('small:1b', 1.2 * GB),
        loaded('big:8b', 5.5 * GB),
        loaded('mid:3b', 2.5 * GB),
        loaded('gpu:7b', 9 * GB, 9 * GB),
      ];
      const [line] = ramChecks({ ...ram(4 * GB), loadedBytes: 18.2 * GB }, loadedNow);
      expect(line).toMatchObject({ name: 'RAM', level: 'warn' });
      expect(line!.detail).toMatch(
        /budget for models 4\.0 GB, 18\.2 GB loaded, .*; the models loaded take 9\.2 GB of RAM, more than the budget \(4\.0 GB\): big:8b \(5\.5 GB\), mid:3b \(2\.5 GB\), small:1b \(1\.2 GB\), gpu:7b \(0 B\)$/,
      );
      // unloading big:8b leaves 3.7 GB, within the 4 GB budget: only it is named to unload
      expect(line!.fix).toBe(
        'unload big:8b (unload_model, or `ollama stop NAME`), or raise ram.budget if the machine has the memory',
      );
    },
  );

  it('names every model that must go when one is not enough, largest first', () => {
    expect(
      overBudget(2 * GB, [loaded('a', 1.5 * GB), loaded('b', 2 * GB), loaded('c', 1 * GB)], 'ram.budget')?.fix,
    ).toMatch(/^unload b, a \(/);
  });

  it('a budget that is met (exactly, or with VRAM holding the rest) keeps it ✓ with no fix', () => {
    const [exact] = ramChecks(ram(4 * GB), [loaded('a', 3 * GB), loaded('b', 1 * GB)]);
    expect(exact).toMatchObject({ name: 'RAM', level: 'ok' });
    expect(exact).not.toHaveProperty('fix');
    expect(exact!.detail).not.toMatch(/more than the budget/);
    const [gpu] = ramChecks(ram(4 * GB), [loaded('gpu:7b', 9 * GB, 8 * GB)]);
    expect(gpu).toMatchObject({ name: 'RAM', level: 'ok' });
    expect(ramChecks(ram(4 * GB))[0]).toMatchObject({ name: 'RAM', level: 'ok' });
  });

  it('a host that cannot unload says so in the fix', () => {
    expect(
      overBudget(1 * GB, [loaded('only', 2 * GB)], 'ram.budget (or hosts.llama.capacity)', 'stop that llama-server')
        ?.fix,
    ).toBe(
      'unload only (stop that llama-server), or raise ram.budget (or hosts.llama.capacity) if the ' +
        'machine has the memory',
    );
  });
});

describe('fitChecks', () => {
  it(
    'installed models that can never fit are a warning naming each with what it needs and its ' +
      'host; cloud models are not counted',
    () => {
      const checks = fitChecks([
        model('mixtral:8x7b', 31 * GB, false, { host: 'gpubox' }),
        model('qwen3:8b', 6 * GB, true),
        model('gpt-oss:120b-cloud', 0, false, { cloud: true }),
      ]);
      expect(checks).toEqual([
        {
          name: 'Models too big',
          level: 'warn',
          detail: '1 installed model can never be loaded here: mixtral:8x7b on gpubox (needs 31.0 GB)',
          fix: expect.stringMatching(/ollama rm/),
        },
      ]);
    },
  );
});

/** A stand-in Ollama answering the calls doctor makes, with `ps` loaded and `tags` installed. */
function ollamaFetch(
  tags: Array<{ name: string; size: number }>,
  ps: Array<{ name: string; size: number }>,
): typeof fetch {
  const model = (t: { name: string; size: number }) => ({
    name: t.name,
    model: t.name,
    size: t.size,
    digest: `d-${t.name}`,
    modified_at: '2025-01-01T00:00:00Z',
    details: { family: 'llama', parameter_size: '8B', quantization_level: 'Q4_K_M' },
  });
  const answers: Record<string, unknown> = {
    '/api/version': { version: '0.33.0' },
    '/api/tags': { models: tags.map(model) },
    '/api/ps': {
      models: ps.map((p) => ({ ...model(p), size_vram: 0, expires_at: '2099-01-01T00:00:00Z', context_length: 4096 })),
    },
    '/api/show': {
      capabilities: ['completion'],
      details: { family: 'llama', parameter_size: '8B', quantization_level: 'Q4_K_M' },
      model_info: {},
    },
  };
  return (async (input: string | URL | Request) => {
    const path = new URL(typeof input === 'string' || input instanceof URL ? input : input.url).pathname;
    const body = answers[path];
    return body === undefined
      ? new Response('{"error":"not found"}', { status: 404 })
      : new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

describe('runDoctor', () => {
  it(
    'warns (!) rather than ✓ on the RAM line when what Ollama holds is over the budget, and ' +
      'names the models that never fit',
    async () => {
      const home = tempDir('ollm-doctor-');
      writeFileSync(join(home, 'config.yaml'), 'ram:\n  budget: 8GB\n  bufferBytes: 0\n');
      const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: '127.0.0.1:11434' } });
      const memorySource = {
        memory: async () => ({ totalBytes: 16 * GB, availableBytes: 6 * GB, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      };
      const fetch = ollamaFetch(
        [
          { name: 'llama3.1:8b', size: 4.9 * GB },
          { name: 'qwen2.5:7b', size: 4.7 * GB },
          { name: 'llama3.1:70b', size: 40 * GB },
        ],
        [
          { name: 'llama3.1:8b', size: 5.5 * GB },
          { name: 'qwen2.5:7b', size: 5.2 * GB },
        ],
      );
      const report = await runDoctor(new Orchestrator(config, { memorySource, fetch }));
      expect(report.ok).toBe(true); // warnings keep the exit code 0
      expect(report.checks.find((c) => c.name === 'RAM')).toMatchObject({
        level: 'warn',
        detail: expect.stringMatching(
          /10\.7 GB of RAM, more than the budget \(8\.0 GB\): llama3\.1:8b \(5\.5 GB\), qwen2\.5:7b \(5\.2 GB\)$/,
        ),
        fix: expect.stringMatching(
          /^unload llama3\.1:8b \(unload_model, or `ollama stop NAME`\), or raise ram\.budget/,
        ),
      });
      expect(report.checks.find((c) => c.name === 'Models too big')).toMatchObject({
        level: 'warn',
        detail: expect.stringMatching(/llama3\.1:70b \(needs \d+\.\d GB\)/),
      });
    },
  );

  it('within the budget, the RAM line stays ✓; another Ollama host over its budget is a warning naming its models', async () => {
    const home = tempDir('ollm-doctor-');
    writeFileSync(
      join(home, 'config.yaml'),
      'ram:\n  budget: 75%\n  bufferBytes: 0\nhosts:\n  - name: gpubox\n    kind: ollama\n    ' +
        'url: 127.0.0.2:11434\n    capacity: {ram: "8GB"}\n',
    );
    const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: '127.0.0.1:11434' } });
    const memorySource = {
      memory: async () => ({ totalBytes: 16 * GB, availableBytes: 6 * GB, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    };
    // the same stand-in answers both hosts, each holding the same two models (10.7 GB): within 75% of
    // this machine's 16 GB, over 75% of gpubox's 8 GB
    const fetch = ollamaFetch(
      [{ name: 'llama3.1:8b', size: 4.9 * GB }],
      [
        { name: 'llama3.1:8b', size: 5.5 * GB },
        { name: 'qwen2.5:7b', size: 5.2 * GB },
      ],
    );
    const report = await runDoctor(new Orchestrator(config, { memorySource, fetch }));
    const line = report.checks.find((c) => c.name === 'RAM');
    expect(line).toMatchObject({
      level: 'ok',
      detail: expect.stringMatching(/budget for models 12\.0 GB, 10\.7 GB loaded/),
    });
    expect(line).not.toHaveProperty('fix');
    const host = report.checks.find((c) => c.name === 'Host gpubox');
    expect(host).toMatchObject({
      level: 'warn',
      fix: expect.stringMatching(/^unload llama3\.1:8b .*raise ram\.budget \(or hosts\.gpubox\.capacity\)/),
    });
    expect(host!.detail).toMatch(
      /; the models loaded take 10\.7 GB of RAM, more than the budget \(6\.0 GB\): llama3\.1:8b \(5\.5 GB\), qwen2\.5:7b \(5\.2 GB\)$/,
    );
  });
});
