/**
 * Realistic inputs for the tokenizer tests: English prose, 50 lines of TypeScript, 50 log lines
 * in common formats, a unified diff. REAL_LLAMA3 holds what the real Llama 3 tokenizer
 * (llama3-tokenizer-js 1.2.0, no BOS; tiktoken cl100k gives the same) counts for each.
 */

export const PROSE =
  `Ollama runs large language models on your own machine. When a request arrives, the server ` +
  `looks for a loaded copy of the model; if none is loaded, it starts a runner, reads the ` +
  `weights from disk and allocates the key-value cache for the context window that was asked ` +
  `for. Loading can take several seconds, so the model is kept in memory for five minutes ` +
  `after the last request unless the client says otherwise. A longer context needs more ` +
  `memory, and a model that does not fit on the graphics card is partly run on the processor, ` +
  `which is much slower. Because of this, choosing the context length carefully matters: a ` +
  `prompt that is longer than the window is cut at the front, and the model never sees what ` +
  `was removed. Developers who send whole files, long logs or large diffs should count their ` +
  `tokens first, split the work into pieces that fit, and ask for a summary of each piece ` +
  `before combining the answers.`;

export const TYPESCRIPT = `// Splits source files into chunks that fit a model's context.
import { readFile } from 'node:fs/promises';
import type { Logger } from './logger.js';

export const DEFAULT_OVERLAP = 2;
export interface ChunkOptions {
  /** Largest chunk, in estimated tokens. */
  maxTokens: number;
  /** Tokens repeated between neighbouring chunks. */
  overlap?: number;
}

export class Chunker {
  private readonly cache = new Map<string, string[]>();

  constructor(
    private readonly log: Logger,
    private readonly opts: ChunkOptions,
  ) {}

  async chunkFile(path: string): Promise<string[]> {
    const hit = this.cache.get(path);
    if (hit) return hit;
    const text = await readFile(path, 'utf8');
    const chunks = this.split(text);
    this.log.debug(\`split \${path} into \${chunks.length} chunks\`);
    this.cache.set(path, chunks);
    return chunks;
  }

  split(text: string): string[] {
    const lines = text.split('\\n');
    const out: string[] = [];
    let current: string[] = [];
    let size = 0;
    for (const line of lines) {
      const cost = Math.ceil(line.length / 4) + 1;
      if (size + cost > this.opts.maxTokens && current.length > 0) {
        out.push(current.join('\\n'));
        const keep = Math.min(current.length, this.opts.overlap ?? 0);
        current = keep > 0 ? current.slice(-keep) : [];
        size = current.reduce((n, l) => n + Math.ceil(l.length / 4) + 1, 0);
      }
      current.push(line);
      size += cost;
    }
    if (current.length > 0) out.push(current.join('\\n'));
    return out.filter((c) => c.trim() !== '');
  }
}
`;

export const DIFF = `diff --git a/src/orchestrator/chunker.ts b/src/orchestrator/chunker.ts
index 3f2a9c1..7b4d008 100644
--- a/src/orchestrator/chunker.ts
+++ b/src/orchestrator/chunker.ts
@@ -12,18 +12,24 @@ export class Chunker {
   private readonly cache = new Map<string, string[]>();
 
   constructor(
     private readonly log: Logger,
     private readonly opts: ChunkOptions,
   ) {}
 
-  async chunkFile(path: string): Promise<string[]> {
-    const text = await readFile(path, 'utf8');
-    return this.split(text);
+  async chunkFile(path: string): Promise<string[]> {
+    const hit = this.cache.get(path);
+    if (hit) return hit;
+    const text = await readFile(path, 'utf8');
+    const chunks = this.split(text);
+    this.log.debug(\`split \${path} into \${chunks.length} chunks\`);
+    this.cache.set(path, chunks);
+    return chunks;
   }
 
   split(text: string): string[] {
     const lines = text.split('\\n');
     const out: string[] = [];
-    let current = [];
+    let current: string[] = [];
     let size = 0;
     for (const line of lines) {
-      const cost = line.length / 4;
+      const cost = Math.ceil(line.length / 4) + 1;
       if (size + cost > this.opts.maxTokens && current.length > 0) {
         out.push(current.join('\\n'));
-        current = [];
-        size = 0;
+        const keep = Math.min(current.length, this.opts.overlap ?? 0);
+        current = keep > 0 ? current.slice(-keep) : [];
+        size = current.reduce((n, l) => n + Math.ceil(l.length / 4) + 1, 0);
       }
       current.push(line);
       size += cost;
`;

/** 50 log lines in 7 formats (Ollama's slog, gin, log4j, syslog, zap JSON, nginx, npm), deterministic. */
export function logLines(seed = 1, count = 50): string {
  let x = seed;
  const r = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = String(r(60)).padStart(2, '0');
    const ms = String(r(1000)).padStart(3, '0');
    const formats = [
      (): string =>
        `time=2025-10-14T10:21:${s}.${ms}Z level=INFO source=server.go:${r(900)} msg="llama runner ` +
        `started in ${(r(900) / 100).toFixed(2)} seconds"`,
      (): string =>
        `[GIN] 2025/10/14 - 10:21:${s} | 200 |  ${(r(9e6) / 1e6).toFixed(6)}s |       127.0.0.1 | ` +
        `POST     "/api/generate"`,
      (): string =>
        `2025-10-14 10:21:${s},${ms} ERROR [worker-${r(8)}] com.example.jobs.Processor - Failed to ` +
        `process job id=${r(99999)}: connection refused (retry ${r(3)}/3)`,
      (): string =>
        `Oct 14 10:21:${s} host kernel: [${(r(99999999) / 1000).toFixed(6)}] nvidia-uvm: Loaded the ` +
        `UVM driver, major device number ${r(300)}.`,
      (): string =>
        `{"level":"warn","ts":"2025-10-14T10:21:${s}.${ms}Z","caller":"sched/sched.go:${r(900)}","msg":"model ` +
        `request too large for system","model":"llama3.2:latest","num_ctx":${4096 * (1 + r(4))}}`,
      (): string =>
        `127.0.0.1 - - [14/Oct/2025:10:21:${s} +0000] "GET /api/tags HTTP/1.1" 200 ${r(99999)} "-" ` +
        `"ollama-js/0.6.0 (x64 linux Node.js/v22.${r(20)}.0)"`,
      (): string =>
        `[2025-10-14 10:21:${s}] npm ERR! code ERESOLVE while resolving: ` +
        `ollm-mcp@0.${r(9)}.${r(20)} Found: typescript@5.${r(9)}.${r(9)}`,
    ];
    lines.push((formats[r(formats.length)] ?? formats[0]!)());
  }
  return lines.join('\n');
}

export const LOGS = logLines();

/** The real Llama 3 tokenizer's counts of the samples above. */
export const REAL_LLAMA3 = { prose: 187, typescript: 398, diff: 433, logs: 2342 };
