/** Builds an orchestrator wired to a fake Ollama, with RAM readings taken from the fake's memory. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, Orchestrator, type MemorySource, type OrchestratorDeps } from '../../src/orchestrator/index.js';
import { projectSettings, type ProjectProfile } from '../../src/orchestrator/project/project.js';
import type { FakeOllama } from '../fake-ollama/server.js';
import { tempDir } from './temp.js';

/**
 * This machine as the fake sees it: its RAM, and its GPUs with the VRAM they report in use (recovery delays
 * included).
 */
export function fakeMemory(fake: FakeOllama, totalBytes: number): MemorySource {
  return {
    memory: async () => ({
      totalBytes,
      availableBytes: totalBytes - fake.usedMemoryBytes(),
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    }),
    gpus: async () =>
      fake
        .gpus()
        .map((g) => ({ name: g.name, vendor: 'NVIDIA', vramTotalBytes: g.vramBytes, vramFreeBytes: g.freeBytes })),
  };
}

export async function coreFor(
  fake: FakeOllama,
  opts: {
    yaml?: string;
    totalBytes?: number;
    deps?: OrchestratorDeps;
    env?: Record<string, string>;
    project?: ProjectProfile;
  } = {},
) {
  const home = tempDir('ollm-home-');
  if (opts.yaml) writeFileSync(join(home, 'config.yaml'), opts.yaml);
  const config = await loadConfig({
    env: { OLLM_HOME: home, OLLM_HOST: fake.url, ...opts.env },
    ...(opts.project && { project: projectSettings(opts.project) }),
  });
  return new Orchestrator(config, {
    memorySource: fakeMemory(fake, opts.totalBytes ?? 16e9),
    ...(opts.project && { project: opts.project }),
    ...opts.deps,
  });
}
