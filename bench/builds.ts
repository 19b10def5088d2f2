/** The builds a bench runs, each as [tag, its dist/cli.js]: this one, and OLLM_BENCH_BASE's beside it when set. */
import { CLI } from '../test/helpers/spawn.js';

export function benchBuilds(): Array<[string, string]> {
  const base = process.env.OLLM_BENCH_BASE;
  return base
    ? [
        ['this build', CLI],
        [`the build at ${base}`, base],
      ]
    : [['this build', CLI]];
}
