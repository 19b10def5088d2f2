// doctor names what does not fit: loaded models over the budget, installed models that never can.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitChecks, runDoctor } from '../../src/orchestrator/doctor.js';
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
  host: { kind: 'cpu', source: 'this machine', note: 'read here', ramTotalBytes: 16 * GB, maxLoadedModels: 3, numParallel: 1 },
});
const loaded = (name: string, sizeBytes: number, vramBytes = 0): LoadedModel => ({ name, sizeBytes, vramBytes, expiresAt: new Date().toISOString(), keptForever: false });
const model = (name: string, requiredBytes: number, fits: boolean, extra: Partial<ModelSummary> = {}): ModelSummary => ({
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

describe('fitChecks', () => {
  it('loaded models over the budget are a warning naming each, largest first, by their share of RAM', () => {
    const [check] = fitChecks(ram(6 * GB), [loaded('small:1b', 1.5 * GB), loaded('big:8b', 5 * GB), loaded('gpu:7b', 9 * GB, 9 * GB)], []);
    expect(check).toMatchObject({ name: 'Loaded models', level: 'warn', fix: expect.stringMatching(/unload_model|ollama stop/) });
    expect(check!.detail).toMatch(/6\.5 GB of RAM, more than the budget \(6\.0 GB\): big:8b \(5\.0 GB\), small:1b \(1\.5 GB\), gpu:7b \(0 B\)/);
  });

  it('within the budget, nothing is said', () => {
    expect(fitChecks(ram(8 * GB), [loaded('big:8b', 5 * GB)], [model('big:8b', 6 * GB, true)])).toEqual([]);
  });

  it('installed models that can never fit are a warning naming each with what it needs and its host; cloud models are not counted', () => {
    const checks = fitChecks(ram(8 * GB), [], [model('mixtral:8x7b', 31 * GB, false, { host: 'gpubox' }), model('qwen3:8b', 6 * GB, true), model('gpt-oss:120b-cloud', 0, false, { cloud: true })]);
    expect(checks).toEqual([{ name: 'Models too big', level: 'warn', detail: '1 installed model can never be loaded here: mixtral:8x7b on gpubox (needs 31.0 GB)', fix: expect.stringMatching(/ollama rm/) }]);
  });
});

/** A stand-in Ollama answering the calls doctor makes, with `ps` loaded and `tags` installed. */
function ollamaFetch(tags: Array<{ name: string; size: number }>, ps: Array<{ name: string; size: number }>): typeof fetch {
  const model = (t: { name: string; size: number }) => ({ name: t.name, model: t.name, size: t.size, digest: `d-${t.name}`, modified_at: '2025-01-01T00:00:00Z', details: { family: 'llama', parameter_size: '8B', quantization_level: 'Q4_K_M' } });
  const answers: Record<string, unknown> = {
    '/api/version': { version: '0.33.0' },
    '/api/tags': { models: tags.map(model) },
    '/api/ps': { models: ps.map((p) => ({ ...model(p), size_vram: 0, expires_at: '2099-01-01T00:00:00Z', context_length: 4096 })) },
    '/api/show': { capabilities: ['completion'], details: { family: 'llama', parameter_size: '8B', quantization_level: 'Q4_K_M' }, model_info: {} },
  };
  return (async (input: string | URL | Request) => {
    const path = new URL(typeof input === 'string' || input instanceof URL ? input : input.url).pathname;
    const body = answers[path];
    return body === undefined ? new Response('{"error":"not found"}', { status: 404 }) : new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

describe('runDoctor', () => {
  it('warns (!) rather than ✓ when what Ollama holds is over the budget, and names the models that never fit', async () => {
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
    expect(report.checks.find((c) => c.name === 'Loaded models')).toMatchObject({ level: 'warn', detail: expect.stringMatching(/10\.7 GB of RAM, more than the budget \(8\.0 GB\): llama3\.1:8b \(5\.5 GB\), qwen2\.5:7b \(5\.2 GB\)/) });
    expect(report.checks.find((c) => c.name === 'Models too big')).toMatchObject({ level: 'warn', detail: expect.stringMatching(/llama3\.1:70b \(needs \d+\.\d GB\)/) });
  });
});
