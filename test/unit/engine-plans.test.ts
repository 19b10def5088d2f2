// Which server plans which engine, as `ollm-mcp shared` and doctor say it (src/server/shared/engine-plans.ts):
// read from the claims themselves — a claim of a process that has ended, or a file that is no claim, says nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginePlans, planLines } from '../../src/server/shared/engine-plans.js';
import { tempDir } from '../helpers/temp.js';

const claim = (key: string, pid: number) =>
  JSON.stringify({ key, pid, url: 'http://127.0.0.1:4321', token: 't'.repeat(32) });

describe('enginePlans', () => {
  it('names each engine claimed by a live process and its planner; leaves out the dead, the odd and the foreign', async () => {
    const dir = tempDir('ollm-plans-');
    const other = tempDir('ollm-plans-');
    writeFileSync(join(dir, 'engine-0000000000000001.json'), claim('ollama http://loopback:11434', process.pid));
    writeFileSync(join(dir, 'engine-0000000000000002.json'), claim('llamacpp http://loopback:8080', 2_000_000_000));
    writeFileSync(join(dir, 'engine-0000000000000003.json'), 'not json');
    writeFileSync(join(dir, 'engine-0000000000000004.json'), claim('openai http://10.0.0.9:8000', process.pid));
    writeFileSync(join(dir, 'notes.json'), claim('ollama http://loopback:1', process.pid));
    mkdirSync(join(dir, 'engine-0000000000000005.json'));
    writeFileSync(join(other, 'engine-0000000000000006.json'), claim('llamacpp http://loopback:9090', process.pid));
    expect(await enginePlans([dir, other, join(dir, 'missing')])).toEqual([
      { engine: 'llamacpp http://loopback:9090', plannedBy: process.pid },
      { engine: 'ollama http://loopback:11434', plannedBy: process.pid },
      { engine: 'openai http://10.0.0.9:8000', plannedBy: process.pid },
    ]);
    expect(planLines([{ engine: 'ollama http://loopback:11434', plannedBy: 42 }])).toEqual([
      'ollama http://loopback:11434: planned by pid 42; every other server of yours reaching it goes through it.',
    ]);
  });
});
