/**
 * Which models a comparison runs (compare.ts) and how: without names, the router's best for the
 * task, distinct by weights (compare-choice.ts); then each named model sorted — an entry saying why
 * it cannot run, a model whose window does not hold the inputs (read in parts: compare-split.ts), or
 * a model for its host's job (compare-run.ts).
 */
import type { TaskType } from '../config/profiles.js';
import { HostError } from '../engines/host-error.js';
import type { candidatesOf, reachableHosts } from '../fleet/placement.js';
import { defaultCandidates } from '../generation/compare-choice.js';
import { ZERO, type CompareEntry, type CompareRequest } from '../generation/compare-parts.js';
import { selectModel } from '../generation/router.js';
import { findModel } from '../models/catalog.js';
import { meant } from '../fleet/copies.js';
import { shortened } from '../util/shorten.js';
import type { HostJob } from './compare-run.js';
import type { JobParts } from '../route/parts.js';

export type Views = Awaited<ReturnType<typeof reachableHosts>>;
export type Models = ReturnType<typeof candidatesOf>;
export type Sorted = {
  results: Map<string, CompareEntry>;
  jobs: Map<string, HostJob>;
  splits: Array<{ model: string; where: { host?: string } }>;
};

/**
 * Without names, the router's best for the task, distinct by weights (compare-choice.ts); fewer than two is
 * the error.
 */
export async function chosenNames(
  job: JobParts,
  req: CompareRequest,
  views: Views,
  models: Models,
  want: { task: TaskType; images: boolean; contextTokens: number },
): Promise<string[]> {
  const selection = selectModel(want, models, job.routing());
  // the digests tell the same weights under two names apart from different models
  const digests = new Map<string, string>();
  const lists = await Promise.all(
    views.map((v) => v.host.catalog.list(req.signal ? { signal: req.signal } : {}).catch(() => undefined)),
  );
  for (const m of lists.flatMap((l) => l?.models ?? [])) digests.set(m.name, m.digest);
  const facts = models.map((m) => ({ name: m.name, family: m.family, digest: digests.get(m.name) ?? '' }));
  const names = defaultCandidates(
    (selection?.ranked ?? []).map((r) => r.model),
    facts,
  );
  if (names.length < 2)
    throw new HostError(
      'model_not_found',
      `Fewer than two different installed models fit this machine for ${want.task} work — name ` +
        `the models to compare, or pull another.`,
      job.fleet.host,
    );
  return names;
}

/** Each named model: an entry saying why it cannot run, a model to split, or a model for its host's job. */
export function sortModels(
  names: string[],
  models: Models,
  views: Views,
  fit: { contextTokens: number; promptTokens: number; split: boolean; named: boolean },
): Sorted {
  const { contextTokens, promptTokens, named } = fit;
  const sorted: Sorted = { results: new Map(), jobs: new Map(), splits: [] };
  const { results, jobs, splits } = sorted;
  const failed = (model: string, error: string) => ({ model, text: '', error, metrics: ZERO });
  for (const name of names) {
    const m = findModel(models, name);
    if (!m)
      results.set(
        name,
        failed(
          shortened(name),
          `not installed on any host that answers — ${meant(models, name)}pull it with ` +
            `\`ollama pull ${shortened(name)}\`, or see list_models`,
        ),
      );
    else if (!m.fits)
      results.set(
        m.name,
        failed(m.name, `needs ${Math.round(m.requiredBytes / 1e8) / 10} GB, more than this host allows`),
      );
    else if (m.contextWindow < contextTokens && fit.split)
      splits.push({ model: m.name, where: named && m.host ? { host: m.host } : {} });
    else if (m.contextWindow < contextTokens)
      results.set(
        m.name,
        failed(
          m.name,
          `its ${m.contextWindow}-token window is too small for the prompt (~${promptTokens} tokens) ` +
            `and the answer — pass long inputs by path (files, diff) so they can be split`,
        ),
      );
    else {
      const view = views.find((v) => v.host.name === ((m as { host?: string }).host ?? v.host.name))!;
      const job = jobs.get(view.host.name) ?? { host: view.host, overview: view.overview, models: [], named };
      if (!job.models.some((k) => k.name === m.name)) job.models.push(m);
      jobs.set(view.host.name, job);
    }
  }
  return sorted;
}
