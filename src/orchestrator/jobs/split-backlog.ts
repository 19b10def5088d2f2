/**
 * A running split job's parts left to begin, told to the hosts of its copies (loading/parts-backlog.ts):
 * each host gets the share of the job's slots its copy gives it (the plan's host alone when the plan
 * names no copies). Every part that begins lowers it; the job's end takes it away everywhere.
 */
import type { SplitPlan } from '../route/offload-types.js';
import type { Backlog } from '../loading/parts-backlog.js';

export interface JobBacklog {
  /** A part of the job began (its slot taken). */
  begun(): void;
  /** The job ended (answered, failed or stopped): nothing of it is left to begin. */
  end(): void;
}

export function jobBacklog(plan: Pick<SplitPlan, 'model' | 'host' | 'copies' | 'parts' | 'route'>): JobBacklog {
  const job: Backlog = { left: plan.parts.length };
  const width = plan.copies.reduce((s, c) => s + Math.max(0, c.slots), 0);
  const shares =
    plan.copies.length > 0 && width > 0
      ? plan.copies.map((c) => ({ host: c.host, share: Math.max(0, c.slots) / width }))
      : [{ host: plan.host.name, share: 1 }];
  const loaders = shares.flatMap(({ host, share }) => {
    const view = plan.route.placement.views.find((v) => v.host.name === host);
    const loader = view?.host.loader ?? (host === plan.host.name ? plan.host.loader : undefined);
    return loader ? [{ backlog: loader.backlog, share }] : [];
  });
  for (const l of loaders) l.backlog.add(plan.model, job, l.share);
  return {
    begun: () => {
      job.left = Math.max(0, job.left - 1);
    },
    end: () => {
      job.left = 0;
      for (const l of loaders) l.backlog.remove(job);
    },
  };
}
