/**
 * A 90-second cold load with the default settings: nothing stops it (not the 60 s stall limit,
 * which waits for the first token), and progress is re-sent the whole time. A file of its own so
 * the wait overlaps the other test files.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { PhaseTracker, type ProgressUpdate } from '../../src/orchestrator/progress/progress.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const LOAD_MS = 90_000;
let fake: FakeOllama | undefined;
let core: Orchestrator | undefined;
afterAll(async () => {
  await core?.shutdown(200);
  if (core) rmSync(core.config.home, { recursive: true, force: true });
  await fake?.stop();
});

it(
  'a 90 s load with the default settings is not stopped, and progress keeps coming through it',
  { timeout: LOAD_MS + 60_000 },
  async () => {
    fake = await FakeOllama.start({
      models: DEFAULT_REGISTRY.filter((m) => m.name === 'llama3.2:latest'),
      loadDelayMs: LOAD_MS,
    });
    // memory only: every time limit at its default
    core = await coreFor(fake, { yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
    const { settings } = core.config;
    expect(settings.ollama.stallTimeoutMs).toBeLessThan(LOAD_MS);
    const updates: Array<ProgressUpdate & { at: number }> = [];
    const tracker = new PhaseTracker((u) => updates.push({ ...u, at: performance.now() }), {
      intervalMs: settings.progress.intervalMs,
    });
    try {
      const r = await routeAndGenerate(core, {
        prompt: 'Say hello.',
        model: 'llama3.2',
        useMemory: false,
        progress: tracker,
      });
      expect(r.fallbacks).toEqual([]);
      expect(r.model).toBe('llama3.2:latest');
      expect(r.metrics.loadMs).toBeGreaterThanOrEqual(LOAD_MS - 1000);
    } finally {
      tracker.close();
    }
    const loading = updates.filter((u) =>
      u.message.startsWith('loading llama3.2:latest (2.0 GB): ~10 s estimated at an assumed 200.0 MB/s'),
    );
    expect(loading.length).toBeGreaterThan(LOAD_MS / settings.progress.intervalMs / 2);
    expect(loading.at(-1)!.message).toMatch(/, (8\d|9\d) s so far$/);
    for (let i = 1; i < updates.length; i++) {
      expect(updates[i]!.progress).toBeGreaterThan(updates[i - 1]!.progress);
      expect(updates[i]!.at - updates[i - 1]!.at).toBeLessThan(settings.progress.intervalMs + 2000);
    }
  },
);
