/**
 * Standalone fake Ollama:
 *   npx tsx test/fake-ollama/main.ts [--port N] [--memory BYTES] [--load-ms-per-gb MS]
 * Prints one line `{"url":"http://127.0.0.1:PORT"}` to stdout once listening, then stays up until
 * SIGTERM / SIGINT. Bad arguments go to stderr with exit code 2.
 */
import { FakeOllama, type FakeOllamaOptions } from './server.js';

function parseArgs(argv: string[]): FakeOllamaOptions {
  const opts: FakeOllamaOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): number => {
      const raw = inline ?? argv[++i];
      const n = Number(raw);
      if (raw === undefined || raw === '' || !Number.isFinite(n) || n < 0) {
        process.stderr.write(`fake-ollama: ${flag} needs a non-negative number\n`);
        process.exit(2);
      }
      return n;
    };
    switch (flag) {
      case '--port':
        opts.port = value();
        break;
      case '--memory':
        opts.memoryBytes = value();
        break;
      case '--load-ms-per-gb':
        opts.loadMsPerGB = value();
        break;
      default:
        process.stderr.write(`fake-ollama: unknown argument ${arg}\nusage: main.ts [--port N] [--memory BYTES] [--load-ms-per-gb MS]\n`);
        process.exit(2);
    }
  }
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
