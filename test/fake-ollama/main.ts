/**
 * Standalone fake Ollama:
 *   npx tsx test/fake-ollama/main.ts [flags]
 * Prints one line `{"url":"http://127.0.0.1:PORT"}` to stdout once listening, then stays up until
 * SIGTERM / SIGINT. Bad arguments go to stderr with exit code 2. Sizes accept plain bytes or a
 * unit: 8e9, 24GiB, 16GB.
 *
 *   --port N               port on 127.0.0.1 (0 = random)
 *   --memory SIZE          system RAM
 *   --gpu SIZE             add a GPU with this much VRAM (repeat for several): a GPU host
 *   --cpu                  a CPU-only host as Ollama runs it: no memory check, overcommit = swap
 *   --legacy-ram           the RAM check of Ollama ≤ 0.12 (the default without --gpu / --cpu)
 *   --unified              GPUs share system RAM
 *   --parallel N           OLLAMA_NUM_PARALLEL
 *   --max-loaded N         OLLAMA_MAX_LOADED_MODELS
 *   --context-length N     OLLAMA_CONTEXT_LENGTH
 *   --load-ms-per-gb MS    extra load time per GB
 *   --unload-ms MS         time one unload takes
 *   --recovery-ms MS       wait for GPU memory to recover after an unload
 *   --signed-in            cloud models answer instead of 401
 *   --version V            what /api/version reports
 */
import { FakeOllama, type FakeOllamaOptions } from './server.js';

const USAGE =
  'usage: main.ts [--port N] [--memory SIZE] [--gpu SIZE]... [--cpu | --legacy-ram] ' +
  '[--unified] [--parallel N] [--max-loaded N] [--context-length N] [--load-ms-per-gb MS] ' +
  '[--unload-ms MS] [--recovery-ms MS] [--signed-in] [--version V]';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

function bad(message: string): never {
  process.stderr.write(`fake-ollama: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): FakeOllamaOptions {
  const opts: FakeOllamaOptions = {};
  const gpus: Array<{ vramBytes: number }> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const raw = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') bad(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = raw();
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) bad(`${flag} needs a non-negative number`);
      return n;
    };
    const size = (): number => {
      const v = raw();
      const m = /^([\d.e+]+)\s*([a-z]*)$/i.exec(v.trim());
      const scale = UNITS[(m?.[2] ?? '').toLowerCase()];
      const n = Number(m?.[1]);
      if (!m || scale === undefined || !Number.isFinite(n) || n < 0) bad(`${flag} needs a size such as 8e9 or 24GiB`);
      return Math.round(n * scale);
    };
    switch (flag) {
      case '--port':
        opts.port = num();
        break;
      case '--memory':
        opts.memoryBytes = size();
        break;
      case '--gpu':
        gpus.push({ vramBytes: size() });
        break;
      case '--cpu':
        opts.admission = 'ollama';
        break;
      case '--legacy-ram':
        opts.admission = 'legacy-ram';
        break;
      case '--unified':
        opts.unifiedMemory = true;
        break;
      case '--parallel':
        opts.numParallel = num();
        break;
      case '--max-loaded':
        opts.maxLoadedModels = num();
        break;
      case '--context-length':
        opts.defaultNumCtx = num();
        break;
      case '--load-ms-per-gb':
        opts.loadMsPerGB = num();
        break;
      case '--unload-ms':
        opts.unloadDelayMs = num();
        break;
      case '--recovery-ms':
        opts.gpuRecoveryMs = num();
        break;
      case '--signed-in':
        opts.cloudSignedIn = true;
        break;
      case '--version':
        opts.version = raw();
        break;
      default:
        bad(`unknown argument ${arg}`);
    }
  }
  if (gpus.length > 0) opts.gpus = gpus;
  return opts;
}

const fake = await FakeOllama.start(parseArgs(process.argv.slice(2)));
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void fake.stop().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
