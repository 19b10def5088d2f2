/**
 * A split job's requests at once as the client's limit weighs each model (route/limit-split.ts slotsFor): the slots
 * of the hosts whose copy takes its parts — on several hosts, not one loaded with a smaller window than the parts'
 * (a part would reload it), which the job's plan gives no part either (route/split-copies.ts; issue 82).
 */
import { describe, expect, it } from 'vitest';
import { slotsFor } from '../../src/orchestrator/route/limit-split.js';
import type { HostOverview } from '../../src/orchestrator/fleet/placement.js';
import type { Windowed } from '../../src/orchestrator/fleet/windows.js';

const view = (name: string, models: Array<{ name: string; loaded: boolean; fitsNow: boolean }>) =>
  ({
    host: { name, settings: { ollama: { numParallel: 2 } } },
    overview: { models, ram: { host: { numParallel: 2 } } },
  }) as unknown as HostOverview;
const copy = (name: string, host: string, contextWindow: number, loadedWindow?: number) =>
  ({ name, host, contextWindow, loaded: loadedWindow !== undefined, fitsNow: true, loadedWindow }) as Windowed;

const LLAMA = 'llama3.1:8b';
const hosts = [
  view('a', [{ name: LLAMA, loaded: true, fitsNow: true }]),
  view('b', [{ name: LLAMA, loaded: true, fitsNow: true }]),
];

describe("a split job's width, as the client's limit times it", () => {
  it('counts a copy loaded with the parts’ window or wider, and not one loaded with a smaller one', () => {
    const at8k = copy(LLAMA, 'b', 8192, 8192);
    // the other host's copy kept at 4k by the client using it: no part of an 8k plan goes there
    expect(slotsFor(hosts, [at8k, copy(LLAMA, 'a', 4096, 4096)], at8k)).toBe(2);
    // loaded at 8k there too, or not loaded: both hosts' slots
    expect(slotsFor(hosts, [at8k, copy(LLAMA, 'a', 8192, 8192)], at8k)).toBe(4);
    expect(slotsFor(hosts, [at8k, copy(LLAMA, 'a', 8192)], at8k)).toBe(4);
    // a plan split to 4k takes parts on both: the 8k copy holds a 4k part
    const at4k = copy(LLAMA, 'a', 4096, 4096);
    expect(slotsFor(hosts, [at4k, copy(LLAMA, 'b', 8192, 8192)], at4k)).toBe(4);
  });

  it('on one host, its slots whatever its copies say', () => {
    const one = copy(LLAMA, 'a', 8192, 8192);
    expect(slotsFor([hosts[0]!], [one], one)).toBe(2);
  });
});
