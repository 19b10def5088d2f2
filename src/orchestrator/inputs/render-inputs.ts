/**
 * Inputs put in a prompt whole, each under its name in a fence — as a part of a split input reads
 * (split.ts renderPart): what the route sends before the task (jobs/offload.ts) and what the plan
 * counts (route/offload-plan.ts); render_template shows the same.
 */
import { renderPart } from './split.js';
import type { InputDoc } from '../generation/input-doc.js';

/** Inputs whole, each under its name in a fence (as a part of a split input reads). */
export function renderInputs(docs: readonly InputDoc[]): string {
  return renderPart({
    pieces: docs.map((d) => ({
      label: d.label,
      text: d.text,
      lines: [1, d.text.split('\n').length] as [number, number],
    })),
  });
}
