import { describe, expect, it } from 'vitest';
import {
  holesOf,
  holesText,
  KNOWN_HOLES,
  versionVerdict,
  type HoleEngine,
} from '../../src/orchestrator/engines/known-holes.js';

const ids = (engine: HoleEngine, version: string | undefined) => holesOf(engine, version).map((h) => h.id);

describe('known holes: the ranges as the advisories give them', () => {
  it('every bound in the table can be read (a bound that cannot never matches, silently)', () => {
    for (const h of KNOWN_HOLES)
      for (const bound of [h.from, h.before, h.through].filter((b) => b !== undefined))
        expect(versionVerdict(h.engine, bound).name, `${h.id} ${bound}`).not.toMatch(/unknown/);
    // every row has an end: a fix or a last version affected
    expect(KNOWN_HOLES.every((h) => h.before !== undefined || h.through !== undefined)).toBe(true);
  });

  it('Ollama 0.34.2 up to 0.35.0 (fixed in 0.35.0): from inclusive, the fix exclusive', () => {
    expect(ids('ollama', '0.34.1')).not.toContain('CVE-2026-103663');
    expect(ids('ollama', '0.34.2')).toEqual(['CVE-2026-103663']);
    expect(ids('ollama', '0.34.9')).toEqual(['CVE-2026-103663']);
    expect(ids('ollama', '0.35.0-rc1')).toEqual(['CVE-2026-103663']); // a pre-release comes before its release
    expect(ids('ollama', '0.35.0')).toEqual([]);
    expect(ids('ollama', '0.35.1')).toEqual([]);
    expect(ids('ollama', 'v0.34.2')).toEqual(['CVE-2026-103663']);
  });

  it('"through 0.12.3" includes 0.12.3; "before 0.17.1" excludes 0.17.1', () => {
    expect(ids('ollama', '0.12.3')).toContain('CVE-2025-63389');
    expect(ids('ollama', '0.12.4')).not.toContain('CVE-2025-63389');
    expect(ids('ollama', '0.17.0')).toContain('CVE-2026-7482');
    expect(ids('ollama', '0.17.1')).not.toContain('CVE-2026-7482');
    expect(ids('ollama', '0.18.1')).toEqual(['CVE-2026-5530']);
    expect(ids('ollama', '0.18.2')).toEqual([]);
    expect(ids('ollama', '0.33.0')).toEqual([]);
  });

  it('llama.cpp builds: b4882–b9058 and b7492–b9060 inclusive, then the fixes in b11393 and b12405', () => {
    const slotRestore = 'CVE-2026-43629';
    const sleep = 'CVE-2026-43631';
    expect(ids('llamacpp', 'b9058')).toEqual(expect.arrayContaining([slotRestore, sleep]));
    expect(ids('llamacpp', 'b9059-abc1234')).not.toContain(slotRestore);
    expect(ids('llamacpp', 'b9059-abc1234')).toContain(sleep);
    expect(ids('llamacpp', 'b9060')).toContain(sleep);
    expect(ids('llamacpp', 'b9061')).not.toContain(sleep);
    expect(ids('llamacpp', 'b4881')).not.toContain(slotRestore);
    expect(ids('llamacpp', 'b4882')).toContain(slotRestore);
    expect(ids('llamacpp', 'b7491')).not.toContain(sleep);
    expect(ids('llamacpp', 'b11392')).toContain('CVE-2026-107183');
    expect(ids('llamacpp', 'b11393')).not.toContain('CVE-2026-107183');
    expect(ids('llamacpp', 'b12404-0a1b2c3')).toEqual(['CVE-2026-134540']);
    expect(ids('llamacpp', 'b12405-0a1b2c3')).toEqual([]);
  });

  it('vLLM below 0.30', () => {
    expect(ids('vllm', '0.29.9')).toEqual(['CVE-2026-105756']);
    expect(ids('vllm', '0.30.0+cu121')).toEqual([]);
    expect(ids('vllm', '0.6.3.post1')).toEqual(['CVE-2026-105756']);
  });

  it('a version that cannot be read has no holes, and is shown as unknown', () => {
    for (const v of [undefined, '', 'fake', 'latest', '0.34', 'b', 'b9100x', `0.34.2${'0'.repeat(80)}`, '1.2.3.4.5'])
      expect(ids('ollama', v)).toEqual([]);
    for (const v of ['fake', 'unknown', 'b1-de3ff81', 'b0-unknown', '9100', 'b9100 (router)'])
      expect(ids('llamacpp', v), v).toEqual([]);
    expect(versionVerdict('llamacpp', 'b1-de3ff81')).toEqual({ name: 'llama.cpp (version unknown)', holes: [] });
    expect(versionVerdict('ollama', 'fake')).toEqual({ name: 'Ollama (version unknown)', holes: [] });
  });
});

describe('the verdict: the name, and the release that fixes every hole that applies', () => {
  it('names the highest fix among the holes that apply', () => {
    const v = versionVerdict('ollama', '0.34.2');
    expect(v.name).toBe('Ollama 0.34.2');
    expect(v.fix).toBe('upgrade to 0.35.0 or newer');
    expect(`${holesText(v)}; ${v.fix}`).toBe(
      'Ollama 0.34.2 has known hole: CVE-2026-103663 (path traversal in /api/pull → code execution); ' +
        'upgrade to 0.35.0 or newer',
    );
    expect(versionVerdict('llamacpp', 'b9000-abc').fix).toBe('upgrade to b12405 or newer');
    expect(versionVerdict('llamacpp', 'b9000-abc').name).toBe('llama.cpp b9000');
  });

  it('where only a "through" range applies, a release past it', () => {
    expect(versionVerdict('ollama', '0.18.0').fix).toBe('upgrade to a release newer than 0.18.1');
    // 0.12.0: three holes; the fix of 0.17.1 is not past 0.18.1, the last version with the pull SSRF
    expect(versionVerdict('ollama', '0.12.0').holes).toHaveLength(3);
    expect(versionVerdict('ollama', '0.12.0').fix).toBe('upgrade to a release newer than 0.18.1');
  });

  it('a version without holes: no fix, no warning', () => {
    const v = versionVerdict('ollama', '0.35.1');
    expect(v).toEqual({ name: 'Ollama 0.35.1', holes: [] });
    expect(holesText(v)).toBeUndefined();
  });
});
