/**
 * ollama.kvCacheType, ollama.flashAttention and ollama.gpuOverhead describe how the user runs
 * Ollama: when Ollama runs on this machine they default to its OLLAMA_KV_CACHE_TYPE,
 * OLLAMA_FLASH_ATTENTION and OLLAMA_GPU_OVERHEAD in ollm-mcp's environment (below every setting);
 * another machine's are never guessed. doctor shows them, and warns about a quantized cache with
 * flash attention off.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/orchestrator/config/index.js';
import { isLocalHost, ollamaEnvDefaults, withOllamaEnv } from '../../src/orchestrator/config/ollama-env.js';
import { kvCheck } from '../../src/orchestrator/doctor-memory.js';
import type { HostCapacity } from '../../src/orchestrator/models/overview-types.js';
import { tempDir } from '../helpers/temp.js';

async function settings(env: Record<string, string>, yaml?: string) {
  const home = tempDir('ollm-kv-');
  if (yaml) writeFileSync(join(home, 'config.yaml'), yaml);
  const c = await loadConfig({ env: { OLLM_HOME: home, ...env } });
  return { ollama: c.settings.ollama, sources: c.sources, hosts: c.settings.hosts };
}

describe('the Ollama server settings', () => {
  it('default to this machine’s OLLAMA_* variables when Ollama runs here, each with its source', async () => {
    const s = await settings({
      OLLAMA_KV_CACHE_TYPE: 'Q8_0',
      OLLAMA_FLASH_ATTENTION: '0',
      OLLAMA_GPU_OVERHEAD: '536870912',
    });
    expect(s.ollama).toMatchObject({ kvCacheType: 'q8_0', flashAttention: 'off', gpuOverhead: 536870912 });
    expect(s.sources['ollama.kvCacheType']).toBe('env OLLAMA_KV_CACHE_TYPE');
    expect(s.sources['ollama.flashAttention']).toBe('env OLLAMA_FLASH_ATTENTION');
    expect(s.sources['ollama.gpuOverhead']).toBe('env OLLAMA_GPU_OVERHEAD');
    expect((await settings({ OLLAMA_FLASH_ATTENTION: 'true' })).ollama.flashAttention).toBe('on');
  });

  it('are left unset without them, or with values Ollama would not take', async () => {
    const none = await settings({});
    expect([none.ollama.kvCacheType, none.ollama.flashAttention, none.ollama.gpuOverhead]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const odd = await settings({
      OLLAMA_KV_CACHE_TYPE: 'q9_9',
      OLLAMA_FLASH_ATTENTION: 'maybe',
      OLLAMA_GPU_OVERHEAD: '1GB',
    });
    expect([odd.ollama.kvCacheType, odd.ollama.flashAttention, odd.ollama.gpuOverhead]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('are not taken from this machine for an Ollama on another one', async () => {
    const s = await settings({ OLLAMA_HOST: 'gpu-box:11434', OLLAMA_KV_CACHE_TYPE: 'q8_0' });
    expect(s.ollama.kvCacheType).toBeUndefined();
  });

  it('a setting given wins over the variable', async () => {
    const s = await settings(
      { OLLAMA_KV_CACHE_TYPE: 'q8_0' },
      'ollama:\n  kvCacheType: q4_0\n  flashAttention: "on"\n',
    );
    expect(s.ollama).toMatchObject({ kvCacheType: 'q4_0', flashAttention: 'on' });
    expect(s.sources['ollama.kvCacheType']).toMatch(/config\.yaml$/);
  });

  it('per host too; an unknown type is refused with the key', async () => {
    const s = await settings(
      {},
      'hosts:\n  - {name: box, kind: ollama, url: "box:11434", kvCacheType: q8_0, flashAttention: ' +
        'auto, gpuOverhead: 1GiB}\n',
    );
    expect(s.hosts[0]).toMatchObject({ kvCacheType: 'q8_0', flashAttention: 'auto', gpuOverhead: 1024 ** 3 });
    await expect(settings({}, 'ollama:\n  kvCacheType: q9\n')).rejects.toThrow(ConfigError);
    await expect(settings({}, 'ollama:\n  kvCacheType: q9\n')).rejects.toThrow(/ollama\.kvCacheType/);
  });
});

describe('which Ollama is this machine’s', () => {
  it('localhost, 127.0.0.0/8 and ::1 in any form the URL parser reads', () => {
    for (const url of [
      'http://127.0.0.1:11434',
      'http://127.8.9.10:11434',
      'http://127.1:11434',
      'http://localhost:11434',
      'http://LocalHost:8080',
      'http://[::1]:11434',
      'http://[0:0:0:0:0:0:0:1]:11434',
    ]) {
      expect([url, isLocalHost(url)]).toEqual([url, true]);
    }
  });

  it('not another machine, a name that only starts like a loopback address, nor what is no URL', () => {
    for (const url of [
      'http://10.0.0.1:11434',
      'http://128.0.0.1:11434',
      'http://127.example.com:11434',
      'http://localhost.example.com:11434',
      'http://gpu-box:11434',
      'http://[::2]:11434',
      'not a url',
    ]) {
      expect([url, isLocalHost(url)]).toEqual([url, false]);
    }
  });
});

describe('the OLLAMA_* values taken as Ollama takes them', () => {
  const values = (env: Record<string, string>) =>
    Object.fromEntries(ollamaEnvDefaults(env).map((d) => [d.key, d.value]));

  it('flash attention: every spelling of Go’s strconv.ParseBool, around spaces; any other is Ollama’s default', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', ' 1 '])
      expect([v, values({ OLLAMA_FLASH_ATTENTION: v })]).toStrictEqual([v, { flashAttention: 'on' }]);
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False', '\tfalse '])
      expect([v, values({ OLLAMA_FLASH_ATTENTION: v })]).toStrictEqual([v, { flashAttention: 'off' }]);
    for (const v of ['', ' ', 'yes', 'on', 'tRUE', 'fALSE', '2'])
      expect([v, values({ OLLAMA_FLASH_ATTENTION: v })]).toStrictEqual([v, {}]);
  });

  it('the cache type in any case, around spaces; an unknown one is left out', () => {
    expect(values({ OLLAMA_KV_CACHE_TYPE: ' Q4_0 ' })).toStrictEqual({ kvCacheType: 'q4_0' });
    expect(values({ OLLAMA_KV_CACHE_TYPE: '' })).toStrictEqual({});
    expect(values({ OLLAMA_KV_CACHE_TYPE: 'q8' })).toStrictEqual({});
  });

  it('GPU overhead: a plain byte count, 0 included; not what Number would read but Go’s ParseUint refuses', () => {
    expect(values({ OLLAMA_GPU_OVERHEAD: ' 1073741824 ' })).toStrictEqual({ gpuOverhead: 1073741824 });
    expect(values({ OLLAMA_GPU_OVERHEAD: '0' })).toStrictEqual({ gpuOverhead: 0 });
    for (const v of ['1e9', '0x10', '1GB', 'x1', '-5', '+5', '1.5', '', '99999999999999999999'])
      expect([v, values({ OLLAMA_GPU_OVERHEAD: v })]).toStrictEqual([v, {}]);
  });

  it('an ollama section that is not a mapping is reported, never replaced by the variables', async () => {
    for (const section of ['abc', '[1]', '']) {
      const yaml = `ollama: ${section}\n`;
      await expect(settings({ OLLAMA_KV_CACHE_TYPE: 'q8_0' }, yaml)).rejects.toThrow(
        /Invalid setting ollama = .*expected object/,
      );
    }
  });

  it('an ollama.host naming this machine takes them; one that cannot be read leaves the settings to the schema', async () => {
    const s = await settings({ OLLAMA_HOST: 'http://127.0.0.1:11434', OLLAMA_KV_CACHE_TYPE: 'q8_0' });
    expect(s.ollama.kvCacheType).toBe('q8_0');
    const merged = { ollama: { host: 'ftp://box' } };
    const sources = {};
    expect(withOllamaEnv(merged, { OLLAMA_KV_CACHE_TYPE: 'q8_0' }, sources)).toBe(merged);
    expect([merged.ollama, sources]).toEqual([{ host: 'ftp://box' }, {}]);
  });
});

describe('doctor', () => {
  const host = (over: Partial<HostCapacity>): HostCapacity => ({
    kind: 'gpu',
    source: 'this machine',
    note: '',
    maxLoadedModels: 3,
    numParallel: 1,
    ...over,
  });

  it('shows the cache type and flash attention', () => {
    expect(kvCheck(host({ kvCacheType: 'q8_0', flashAttention: 'auto' }))).toMatchObject({
      name: 'Ollama KV cache',
      level: 'ok',
      detail: expect.stringMatching(/^KV cache q8_0 .*flash attention auto/),
    });
    expect(kvCheck(host({ kvCacheType: 'f16', flashAttention: 'off' }))).toMatchObject({
      level: 'ok',
      detail: expect.stringMatching(/^KV cache f16, flash attention off/),
    });
    expect(kvCheck(host({ kvCacheType: 'f16', gpuOverheadBytes: 1e9 }))!.detail).toMatch(
      /1\.0 GB of VRAM kept aside per GPU/,
    );
    expect(kvCheck(host({}))).toBeUndefined(); // not an Ollama host
  });

  it('warns about a quantized cache with flash attention off, with the fix', () => {
    const c = kvCheck(host({ kvCacheType: 'q4_0', flashAttention: 'off' }))!;
    expect(c.level).toBe('warn');
    expect(c.detail).toMatch(/needs flash attention/);
    expect(c.fix).toMatch(/OLLAMA_FLASH_ATTENTION=1/);
  });
});
