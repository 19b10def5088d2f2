/** The standalone fake (main.ts): its flags choose the host; it prints its url and exits cleanly. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { post } from './test-helpers.js';

describe('fake ollama: standalone runner', () => {
  /** Run main.ts with `args` until `body` is done with its url, then SIGTERM it; returns the exit code. */
  async function standalone(args: string[], body: (url: string) => Promise<void>): Promise<number | null> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fake-ollama/main.ts', '--port', '0', ...args], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await body(url);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      return ((await exited) as [number | null])[0];
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }

  it(
    'standalone runner prints {"url"} on stdout and exits cleanly on SIGTERM; --memory alone is ' +
      'the legacy RAM check',
    async () => {
      const code = await standalone(['--memory', '8e9'], async (url) => {
        expect(await (await fetch(url)).text()).toBe('Ollama is running');
        const res = await post(`${url}/api/generate`, { model: 'llama3.2' });
        expect(res.status).toBe(200);
        const ps = (await (await fetch(`${url}/api/ps`)).json()) as { models: unknown[] };
        expect(ps.models).toHaveLength(1);
        // mixtral (26 GB) cannot load on an 8 GB machine
        const big = await post(`${url}/api/generate`, { model: 'mixtral:8x7b' });
        expect(big.status).toBe(500);
        expect(((await big.json()) as { error: string }).error).toMatch(/than is available \(5\.\d GiB\)/);
      });
      expect(code).toBe(0);
    },
  );

  it('standalone runner: --gpu makes a GPU host, --cpu a CPU host without a memory check; bad flags exit 2', async () => {
    const gpu = await standalone(['--gpu', '8GiB', '--memory', '32GB', '--parallel', '2'], async (url) => {
      await post(`${url}/api/generate`, { model: 'mixtral:8x7b' }); // 26 GB on an 8 GiB GPU: partly offloaded
      const [m] = (
        (await (await fetch(`${url}/api/ps`)).json()) as {
          models: Array<{ size: number; size_vram: number; context_length: number }>;
        }
      ).models;
      expect(m!.size_vram).toBeGreaterThan(0);
      expect(m!.size_vram).toBeLessThan(m!.size);
      expect(m!.context_length).toBe(4096);
    });
    expect(gpu).toBe(0);
    const cpu = await standalone(['--cpu', '--memory', '8e9'], async (url) => {
      expect((await post(`${url}/api/generate`, { model: 'mixtral:8x7b' })).status).toBe(200); // swaps, but loads
    });
    expect(cpu).toBe(0);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fake-ollama/main.ts', '--gpu', 'lots'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
  });
});
