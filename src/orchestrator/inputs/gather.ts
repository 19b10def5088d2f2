/**
 * Gathers every input a call names by reference — files and globs, images by path or base64, the
 * git diff — into plain data for generation: the texts the model reads, the images, and a list of
 * what was read (paths, bytes, tokens) so the caller can check. A path named explicitly that may
 * not be read fails the call with its reason; a file a glob matched that may not be read is left
 * out and listed with its reason.
 */
import { estimateTokens } from '../generation/classify.js';
import { formatBytes } from '../config/units.js';
import { asBase64Image } from './content.js';
import { readDiff } from './diff.js';
import { readFileInput, readLocated, type FileRead } from './files.js';
import { expandGlob, isGlob } from './glob.js';
import { locate, shownPath } from './scope.js';
import { InputError, type GatheredInputs, type InputRequest, type InputScope } from './types.js';
import type { ReadOrigins } from './origins.js';

class Budget {
  used = 0;
  constructor(private readonly scope: InputScope) {}
  get left(): number {
    return this.scope.maxTotalBytes - this.used;
  }
  take(bytes: number, what: string): void {
    if (this.used + bytes > this.scope.maxTotalBytes) {
      throw new InputError(
        `${what}: reading it would pass the ${formatBytes(this.scope.maxTotalBytes)} one call may ` +
          `read (inputs.maxTotalBytes) — name fewer or smaller inputs.`,
      );
    }
    this.used += bytes;
  }
}

/** `origins`: where every text and image read is recorded, before it is returned (the cloud fallback checks it). */
export async function gatherInputs(
  req: InputRequest,
  scope: InputScope,
  origins: ReadOrigins,
): Promise<GatheredInputs> {
  const out: GatheredInputs = { docs: [], images: [], read: [], skipped: [], bytes: 0, tokens: 0 };
  const budget = new Budget(scope);
  const seen = new Set<string>();
  let fileCount = 0;

  const add = (r: FileRead) => {
    budget.take(r.bytes, r.where.shown);
    if (r.kind === 'image') {
      origins.recordImage(r.where.shown, r.base64);
      out.images.push(r.base64);
      out.read.push({ path: r.where.shown, kind: 'image', bytes: r.bytes, tokens: 0, encoding: r.format });
    } else {
      origins.recordText(r.where.shown, r.text);
      const tokens = estimateTokens(r.text);
      out.docs.push({ label: r.where.shown, text: r.text });
      out.read.push({ path: r.where.shown, kind: 'text', bytes: r.bytes, tokens, encoding: r.encoding });
    }
  };
  const count = (what: string) => {
    if (++fileCount > scope.maxFiles)
      throw new InputError(`${what}: more than ${scope.maxFiles} files in one call (inputs.maxFiles) — name fewer.`);
  };

  for (const entry of req.files ?? []) {
    if (!isGlob(entry)) {
      const r = await readFileInput(entry, scope, budget.left);
      if (seen.has(r.where.real)) continue;
      seen.add(r.where.real);
      count(entry);
      add(r);
      continue;
    }
    const match = await expandGlob(entry, scope);
    if (match.files.length === 0) {
      throw new InputError(
        `${entry}: matches no ` +
          `file${match.ignored ? ` that .gitignore does not ignore (${match.ignored} ignored)` : ''} ` +
          `under ${scope.base}.`,
      );
    }
    for (const file of match.files) {
      try {
        const where = await locate(file, scope.base, scope.roots, scope.closed);
        if (seen.has(where.real)) continue;
        const r = await readLocated(where, scope, budget.left);
        seen.add(where.real);
        count(entry);
        add(r);
      } catch (err) {
        if (!(err instanceof InputError) || /inputs\.max(TotalBytes|Files)/.test(err.message)) throw err;
        // a matched file that may not be read is left out, with its reason
        const path = shownPath(scope.base, file);
        out.skipped.push({
          path,
          reason: err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message,
        });
      }
    }
  }

  for (const image of req.images ?? []) {
    const b64 = asBase64Image(image);
    if (b64 !== undefined) {
      out.images.push(b64);
      continue;
    }
    const r = await readFileInput(image, scope, budget.left);
    if (r.kind !== 'image')
      throw new InputError(`${r.where.shown}: not an image (PNG, JPEG, GIF, WebP or BMP) — pass text files in files.`);
    add(r);
  }

  if (req.diff) {
    const d = await readDiff(req.diff, scope, budget.left);
    budget.take(d.bytes, d.label);
    origins.recordText(d.label, d.text);
    const tokens = estimateTokens(d.text);
    out.docs.push({ label: d.label, text: d.text });
    out.read.push({ path: d.label, kind: 'diff', bytes: d.bytes, tokens, encoding: 'utf-8' });
    out.skipped.push(...d.skipped);
  }

  out.bytes = budget.used;
  out.tokens = out.read.reduce((s, r) => s + r.tokens, 0);
  return out;
}
