/**
 * Offload benchmark: what four common jobs cost the calling assistant — the tokens of the
 * arguments it writes plus the result it reads — when it pastes the input into the call and when
 * it names the input by reference, against the built server over stdio (the real MCP client), and
 * the time from the call to its first progress notification. Goal: by reference ≤ 5% of inline
 * for each job. Also: how long splitting a 10 MB input into parts takes.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateTokens } from '../src/orchestrator/generation/classify.js';
import { splitInputs } from '../src/orchestrator/inputs/split.js';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { connect, tempHome } from '../test/helpers/spawn.js';
import { tempDir } from '../test/helpers/temp.js';
import { oneTokenWords } from '../test/fake-ollama/tokenize.js';

/** A review-sized answer: what the assistant reads back either way. */
const ANSWER = oneTokenWords(150, 'point');

function git(root: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid', '-c', 'commit.gpgsign=false', ...args],
    { cwd: root, stdio: 'ignore' },
  );
}

/** A project with a 60 KB log, 20 source files, a 1 MB photo and a staged 500-line diff. */
function project(): { root: string; log: string; sources: string[]; photo: Buffer; diff: string } {
  const root = tempDir('ollm-bench-offload-');
  const log = Array.from(
    { length: 700 },
    (_, i) =>
      `2026-11-22T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z ` +
      `${i % 17 === 0 ? 'ERROR' : 'INFO '} api request ${i} GET /v1/items/${i * 7} ` +
      `${200 + (i % 3)} ${i % 90} ms`,
  ).join('\n');
  writeFileSync(join(root, 'app.log'), `${log}\n`);
  mkdirSync(join(root, 'src'));
  const sources: string[] = [];
  for (let f = 0; f < 20; f++) {
    const body = Array.from(
      { length: 30 },
      (_, i) => `export function fn${f}_${i}(input: string): number {\n  return input.length * ${i} + ${f};\n}\n`,
    ).join('\n');
    writeFileSync(join(root, `src/m${f}.ts`), body);
    sources.push(body);
  }
  const photo = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    randomBytes(1_000_000 - 8),
  ]);
  writeFileSync(join(root, 'photo.png'), photo);
  const lines = Array.from(
    { length: 250 },
    (_, i) => `export const setting${i} = { name: "s${i}", value: ${i}, enabled: ${i % 2 === 0} };`,
  );
  writeFileSync(join(root, 'settings.ts'), `${lines.join('\n')}\n`);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'start');
  writeFileSync(join(root, 'settings.ts'), `${lines.map((l) => l.replace('enabled', 'active')).join('\n')}\n`);
  git(root, 'add', 'settings.ts');
  const diff = execFileSync('git', ['diff', '--cached'], { cwd: root, encoding: 'utf8' });
  return { root, log: `${log}\n`, sources, photo, diff };
}

export async function benchOffload(): Promise<{ ok: boolean; lines: string[] }> {
  const p = project();
  const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, loadDelayMs: 0 });
  fake.reply(ANSWER);
  const session = await connect(
    { OLLM_HOME: tempHome('ram:\n  budget: 20GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'warn' },
    [],
    p.root,
  );
  const jobs: Array<{ name: string; inline: Record<string, unknown>; byRef: Record<string, unknown> }> = [
    {
      name: 'summarise a 60 KB log',
      inline: { prompt: `Summarise the errors in this log:\n${p.log}`, task: 'summarize' },
      byRef: { prompt: 'Summarise the errors in this log.', task: 'summarize', files: ['app.log'] },
    },
    {
      name: 'review a 500-line diff',
      inline: { prompt: `Review this change for bugs:\n${p.diff}`, task: 'code' },
      byRef: { prompt: 'Review this change for bugs.', task: 'code', diff: { staged: true } },
    },
    {
      name: 'describe a 1 MB photo',
      inline: { prompt: 'Describe this photo.', images: [p.photo.toString('base64')] },
      byRef: { prompt: 'Describe this photo.', images: ['photo.png'] },
    },
    {
      name: 'answer over 20 source files',
      inline: { prompt: `Which function returns the largest value for "abc"?\n${p.sources.join('\n')}`, task: 'code' },
      byRef: { prompt: 'Which function returns the largest value for "abc"?', task: 'code', files: ['src/*.ts'] },
    },
  ];
  const lines: string[] = [];
  let ok = true;
  try {
    for (const job of jobs) {
      const cost: Record<'inline' | 'byRef', number> = { inline: 0, byRef: 0 };
      const firstProgress: Record<'inline' | 'byRef', number> = { inline: 0, byRef: 0 };
      for (const how of ['inline', 'byRef'] as const) {
        const args = job[how];
        const t0 = performance.now();
        let first = 0;
        const res = await session.client.callTool(
          { name: 'route_and_generate', arguments: args },
          { onprogress: () => (first ||= performance.now() - t0), timeout: 120_000 },
        );
        const text = (res.content as Array<{ text: string }>)[0]!.text;
        if (res.isError) throw new Error(`${job.name} (${how}) failed: ${text}`);
        cost[how] = estimateTokens(JSON.stringify(args)) + estimateTokens(text);
        firstProgress[how] = first;
      }
      const ratio = cost.byRef / cost.inline;
      ok &&= ratio <= 0.05;
      lines.push(
        `offload: ${job.name}: the assistant's tokens inline ` +
          `${cost.inline.toLocaleString('en-US')}, by reference ${cost.byRef.toLocaleString('en-US')} ` +
          `(${(ratio * 100).toFixed(1)}%, goal ≤ 5%) ${ratio <= 0.05 ? 'OK' : 'MISSED'}; first ` +
          `progress after ${firstProgress.byRef.toFixed(0)} ms by reference, ` +
          `${firstProgress.inline.toFixed(0)} ms inline`,
      );
    }
    const big = readFileSync(join(p.root, 'app.log'), 'utf8').repeat(170); // ~10 MB
    const t = performance.now();
    const parts = splitInputs([{ label: 'big.log', text: big }], 6000, estimateTokens);
    lines.push(
      `offload: splitting a ${(big.length / 1e6).toFixed(1)} MB input into ${parts.length} parts ` +
        `of ≤ 6,000 tokens took ${(performance.now() - t).toFixed(0)} ms`,
    );
  } finally {
    await session.close();
    await fake.stop();
  }
  return { ok, lines };
}
