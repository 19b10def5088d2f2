import { describe, expect, it } from 'vitest';
import { partRequest } from '../../src/orchestrator/jobs/split-generations.js';
import { CITE_INSTRUCTION } from '../../src/orchestrator/inputs/citations.js';
import type { RouteRequest } from '../../src/orchestrator/generation/route-types.js';

// what a split job's parts are sent with: what the plan kept of remembered facts and the citation guide
describe("a part's request", () => {
  const check = (_text: string) => 'most of its citations do not hold';
  const req: RouteRequest = {
    prompt: 'Summarize the errors.',
    guide: CITE_INSTRUCTION,
    check,
    format: { format: 'json', check: (text) => ({ ok: true, value: text }) },
  };

  it('with everything kept: the guide, the citations check, remembered facts as the caller asked; never the format', () => {
    const r = partRequest(req, { carry: { memory: true, guide: 'full' }, guide: CITE_INSTRUCTION });
    expect(r.guide).toBe(CITE_INSTRUCTION);
    expect(r.check).toBe(check);
    expect(r.useMemory).toBeUndefined();
    expect(r.format).toBeUndefined();
    expect(
      partRequest({ ...req, useMemory: false }, { carry: { memory: true, guide: 'full' }, guide: CITE_INSTRUCTION })
        .useMemory,
    ).toBe(false);
  });

  it('with remembered facts left out: useMemory false', () => {
    expect(partRequest(req, { carry: { memory: false, guide: 'full' }, guide: CITE_INSTRUCTION }).useMemory).toBe(
      false,
    );
  });

  it('with the short guide: that guide, and the check with it', () => {
    const r = partRequest(req, { carry: { memory: false, guide: 'short' }, guide: 'Cite inputs as path:line.' });
    expect(r.guide).toBe('Cite inputs as path:line.');
    expect(r.check).toBe(check);
  });

  it('with the guide left out: no guide, and no citations held against an answer never asked for them', () => {
    const r = partRequest(req, { carry: { memory: false, guide: 'none' } });
    expect(r.guide).toBeUndefined();
    expect(r.check).toBeUndefined();
    expect(r.prompt).toBe(req.prompt);
  });
});
