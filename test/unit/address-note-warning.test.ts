/**
 * An Ollama address ending in /v1 or /api is used without it and said at start (issue 83, finding 1):
 * loading the settings warns on stderr with the setting to correct — and stays silent for an address
 * without one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCli } from '../../src/server/args.js';
import { loadSettings } from '../../src/server/load-settings.js';
import { tempDir } from '../helpers/temp.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function warnings(argv: string[]): Promise<{ host: string | undefined; said: string }> {
  vi.stubEnv('OLLM_HOME', tempDir('ollm-home-'));
  vi.stubEnv('OLLM_LOG_LEVEL', 'info');
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
  const loaded = await loadSettings(parseCli(argv), false);
  return { host: loaded?.config.settings.ollama.host, said: lines.join('') };
}

describe('loading settings', () => {
  it('--ollama-host http://127.0.0.1:11434/v1: used without /v1, and a warning names the flag and the fix', async () => {
    const { host, said } = await warnings(['doctor', '--ollama-host', 'http://127.0.0.1:11434/v1']);
    expect(host).toBe('http://127.0.0.1:11434');
    expect(said).toContain(
      '[ollm-mcp] warn: ollama.host (from flag --ollama-host) ends in /v1, which ollm-mcp drops: ' +
        "Ollama's API is at /api/… of its address itself, so http://127.0.0.1:11434 is used — drop the path: " +
        'set ollama.host to http://127.0.0.1:11434.',
    );
  });

  it('the right side: an address without a path warns of nothing', async () => {
    const { host, said } = await warnings(['doctor', '--ollama-host', 'http://127.0.0.1:11434']);
    expect(host).toBe('http://127.0.0.1:11434');
    expect(said).not.toMatch(/drops|drop the path/);
  });
});
