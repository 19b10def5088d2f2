// The shared server's command line (src/server/shared/spawn.ts daemonArgs).
import { describe, expect, it } from 'vitest';
import { DAEMON_NODE_FLAGS, daemonArgs } from '../../src/server/shared/spawn.js';

describe("the shared server's command line (spawn.ts)", () => {
  it(
    "Node's flags for it first, the launch's own after (they win), no inspector; `daemon` for " +
      "`serve`, the launch's flags kept",
    () => {
      expect(
        daemonArgs(['node', '/d/cli.js', 'serve', '--model', 'm'], ['--inspect=9229', '--max-semi-space-size=16']),
      ).toEqual([...DAEMON_NODE_FLAGS, '--max-semi-space-size=16', '/d/cli.js', 'daemon', '--model', 'm']);
      expect(daemonArgs(['node', '/d/cli.js'], [])).toEqual([...DAEMON_NODE_FLAGS, '/d/cli.js', 'daemon']);
      expect(DAEMON_NODE_FLAGS).toContain('--max-semi-space-size=4');
      expect(DAEMON_NODE_FLAGS).toContain('--min-semi-space-size=4'); // fixed at 4 MB: no scavenge every third call
    },
  );
});
