/**
 * Reading one located file (src/orchestrator/inputs/files.ts) against a real folder: which limit
 * applies (an image's or a file's, told by the head's signature), the budget of the call, the exact
 * words of each refusal, and what a read returns.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileInput } from '../../src/orchestrator/inputs/files.js';
import { InputError, type InputScope } from '../../src/orchestrator/inputs/types.js';
import { PNG_1X1 } from '../helpers/project-fixture.js';
import { tempDir } from '../helpers/temp.js';

let project: string;
let scope: InputScope;

beforeEach(() => {
  project = tempDir('ollm-file-reads-');
  mkdirSync(join(project, 'img'));
  scope = { base: project, roots: [project], allow: [], maxFileBytes: 1_000, maxImageBytes: 10_000, maxTotalBytes: 100_000, maxFiles: 100 };
});

async function refusal(raw: string, s = scope, budget = 100_000): Promise<string> {
  const err: unknown = await readFileInput(raw, s, budget).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

/** A BMP of `length` bytes: "BM", and a 40-byte DIB header size at offset 14. */
function bmp(length: number): Buffer {
  const b = Buffer.alloc(length);
  b.write('BM', 0, 'latin1');
  b[14] = 40;
  return b;
}

describe('the limit that applies', () => {
  it('an image by any signature gets the image limit, a file of text the file limit', async () => {
    writeFileSync(join(project, 'img', 'pic.bmp'), bmp(5_000));
    const read = await readFileInput('img/pic.bmp', scope, 100_000);
    expect(read).toMatchObject({ kind: 'image', format: 'bmp', bytes: 5_000 });
    writeFileSync(join(project, 'img', 'big.png'), Buffer.concat([PNG_1X1, Buffer.alloc(20_000)]));
    expect(await refusal('img/big.png')).toBe('img/big.png: 20.1 KB, more than the 10.0 KB allowed for an image (inputs.maxImageBytes) — name a smaller file or part of it.');
    writeFileSync(join(project, 'notes.txt'), 'x'.repeat(1_001));
    expect(await refusal('notes.txt')).toBe('notes.txt: 1.0 KB, more than the 1.0 KB allowed for a file (inputs.maxFileBytes) — name a smaller file or part of it.');
  });

  it('a file shorter than any signature is text', async () => {
    writeFileSync(join(project, 'tiny.txt'), 'BM');
    expect(await readFileInput('tiny.txt', scope, 100_000)).toMatchObject({ kind: 'text', text: 'BM', bytes: 2, encoding: 'utf-8' });
  });
});
