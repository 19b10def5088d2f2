/**
 * doctor's line on memory learned from loads (stores/seen-sizes.ts): the figures far from the
 * estimate — set aside as implausible (plausible-size.ts: a host that misreported, or a figure
 * learned before the bounds existed), or beyond FAR_FACTOR of it — each with by how much, and the
 * command that forgets them.
 */
import { formatBytes as gb } from './config/units.js';
import { grouped } from './util/locale-free.js';
import type { Check } from './doctor-memory.js';
import { contextWords, type SeenSize } from './loading/learned-size.js';
import { modelFacts, isEmbedding } from './loading/load-planning.js';
import { trustedSeen, type ModelFacts } from './loading/plausible-size.js';
import { requiredBytes } from './loading/planner.js';
import type { Orchestrator } from './orchestrator.js';

/** A learned figure this many times the estimate (or less than 1/this) is listed. */
export const FAR_FACTOR = 1.5;
const FORGET_SIZES = 'ollm-mcp learning reset sizes';

export interface LearnedFigure {
  /** "qwen2.5-coder:7b" (", on gpubox" with several hosts). */
  label: string;
  seen: SeenSize;
  facts: ModelFacts;
  /** What the formula gives at the figure's context: weights + margin + KV cache. */
  estimateBytes: number;
}

const times = (x: number) => (x >= 100 ? grouped(Math.round(x)) : x.toFixed(1));

/** "17,000× the estimate" or "1/4,700,000,000 of the estimate". */
function howFar(bytes: number, estimate: number): string {
  if (!(bytes > 0)) return 'nothing, against the estimate';
  const r = bytes / estimate;
  return r >= 1 ? `${times(r)}× the estimate` : `1/${times(1 / r)} of the estimate`;
}

/** The figures far from the estimate, as one warning; undefined when there are none. */
export function learnedFiguresCheck(figures: readonly LearnedFigure[]): Check | undefined {
  const far = figures.filter((f) => {
    const r = f.seen.meanBytes / f.estimateBytes;
    return trustedSeen([f.seen], f.facts).length === 0 || !(r <= FAR_FACTOR && r * FAR_FACTOR >= 1);
  });
  if (far.length === 0) return undefined;
  const words = far.map((f) => {
    const used = trustedSeen([f.seen], f.facts).length === 1 ? 'used' : 'set aside as impossible for it, not used';
    return (
      `${f.label} at ${contextWords(f.seen.contextLength)} context: ${gb(f.seen.meanBytes)} ` +
      `learned, ${gb(f.estimateBytes)} estimated (${howFar(f.seen.meanBytes, f.estimateBytes)}; ${used})`
    );
  });
  return {
    name: 'Learned memory',
    level: 'warn',
    detail:
      `${far.length} figure${far.length > 1 ? 's' : ''} learned from loads ` +
      `${far.length > 1 ? 'are' : 'is'} far from the estimate: ${words.join('; ')}`,
    fix:
      `\`${FORGET_SIZES}\` forgets the figures learned from loads (the estimate is used until ` +
      `loads teach them again)`,
  };
}

/** The learned figures of every host whose models are installed as learned (same digest), each with its estimate. */
export async function learnedChecks(orch: Orchestrator): Promise<Check[]> {
  await orch.seenSizes.load();
  const figures: LearnedFigure[] = [];
  for (const h of orch.hosts) {
    const rows = orch.seenSizes.learnedOn(h.engine.host);
    if (rows.length === 0) continue;
    const models = await h.catalog.list().then(
      (l) => l.models,
      () => [],
    );
    for (const row of rows) {
      const m = models.find((x) => x.name === row.model && x.digest.slice(0, 64) === row.digest);
      if (!m) continue; // removed or pulled again: never used
      const facts = modelFacts(m, isEmbedding(m) ? 1 : h.settings.ollama.numParallel);
      const estimateBytes = requiredBytes(
        m.sizeBytes,
        h.settings.ram.safetyMargin,
        facts.kvAt?.(row.seen.contextLength) ?? 0,
      );
      figures.push({
        label: `${m.name}${orch.hosts.length > 1 ? ` on ${h.name}` : ''}`,
        seen: row.seen,
        facts,
        estimateBytes,
      });
    }
  }
  const check = learnedFiguresCheck(figures);
  return check ? [check] : [];
}
