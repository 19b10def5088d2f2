// Stages the Claude Code plugin (plugin/) from a finished build: the build's own files — exactly
// the new build, none of the earlier chunks dist/ keeps for servers still running — into
// plugin/dist/, and the skills into plugin/skills/. Both are git-ignored and made by every build
// (`npm ci` builds), so a built checkout is an installable plugin: Claude Code copies plugin/ alone
// (a few MB: no node_modules, no tests), and plugin/start.mjs runs the server from there.
import { cpSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Copies the build in `built` (a finished staging folder) and the skills of `root` into `root`/plugin. */
export function stagePlugin(root, built) {
  const plugin = join(root, 'plugin');
  for (const [from, to] of [
    [built, 'dist'],
    [join(root, 'skills'), 'skills'],
  ]) {
    const next = join(plugin, `${to}.next-${process.pid}`);
    rmSync(next, { recursive: true, force: true });
    cpSync(from, next, { recursive: true });
    rmSync(join(plugin, to), { recursive: true, force: true });
    renameSync(next, join(plugin, to));
  }
}
