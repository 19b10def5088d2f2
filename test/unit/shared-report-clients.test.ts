// doctor's line for a shared server names its clients, the first MAX_CLIENTS_SAID of them and the
// rest counted, so many clients do not make the line a page (issue 55, finding 7).
import { describe, expect, it } from 'vitest';
import { describeServer, MAX_CLIENTS_SAID } from '../../src/server/shared/report.js';
import type { Found } from '../../src/server/shared/servers.js';

const found = (n: number): Found => ({
  place: { address: '/run/ollm/s.sock', dir: '/run/ollm', lock: '/run/ollm/s.lock' },
  name: 's',
  pid: 42,
  who: {
    ollm: 'clients',
    pid: 42,
    version: '1.0.0',
    clients: Array.from({ length: n }, (_, i) => ({ name: `client-${i}`, pid: 100 + i, cwd: '/w', since: 'then' })),
  },
});

describe('describeServer', () => {
  it('names every client up to the bound', () => {
    const line = describeServer(found(MAX_CLIENTS_SAID));
    expect(line).toContain(`${MAX_CLIENTS_SAID} clients connected: client-0 (pid 100`);
    expect(line).toContain(`client-${MAX_CLIENTS_SAID - 1} (pid`);
    expect(line).not.toMatch(/more\.$/);
  });

  it('names the first ones past it and counts the rest', () => {
    const line = describeServer(found(MAX_CLIENTS_SAID + 5));
    expect(line).toContain(`${MAX_CLIENTS_SAID + 5} clients connected: client-0 (pid 100`);
    expect(line).toContain(`client-${MAX_CLIENTS_SAID - 1} (pid`);
    expect(line).not.toContain(`client-${MAX_CLIENTS_SAID} (pid`);
    expect(line).toMatch(/; and 5 more\.$/);
  });
});
