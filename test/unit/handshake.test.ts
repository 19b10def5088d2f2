// The launcher's recorded handshake (src/server/shared/handshake.ts): used only with the settings
// it was recorded with, only for the protocol versions it holds, only when it is this version's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordedHandshake } from '../../src/server/shared/handshake.js';
import { offersAsRecorded } from '../../src/server/shared/settings-plan.js';
import { VERSION } from '../../src/server/version.js';
import type { ProjectProfile } from '../../src/orchestrator/project/project.js';
import { tempDir } from '../helpers/temp.js';

const project = (tools: ProjectProfile['tools']): ProjectProfile => ({
  name: 'p',
  root: '/p',
  explicit: false,
  tools,
  description: 'p',
});

describe('offersAsRecorded', () => {
  it('every tool to every client: the record holds', () => {
    expect(offersAsRecorded({ toolsets: ['all'], agents: {} }, undefined)).toBe(true);
    expect(offersAsRecorded({ toolsets: ['all'], agents: {} }, project({ disabled: [] }))).toBe(true);
  });

  it('fewer tools, or agents offered their own: the record does not hold', () => {
    expect(offersAsRecorded({ toolsets: ['memory'], agents: {} }, undefined)).toBe(false);
    expect(
      offersAsRecorded({ toolsets: ['all'], agents: { claude: { toolsets: ['memory'] } } as never }, undefined),
    ).toBe(false);
    expect(offersAsRecorded({ toolsets: ['all'], agents: {} }, project({ disabled: ['delete_model'] }))).toBe(false);
    expect(
      offersAsRecorded({ toolsets: ['all'], agents: {} }, project({ enabled: ['route_and_generate'], disabled: [] })),
    ).toBe(false);
  });
});

describe('recordedHandshake', () => {
  const write = (record: unknown) => {
    const file = join(tempDir('ollm-hs-'), 'handshake.json');
    writeFileSync(file, typeof record === 'string' ? record : JSON.stringify(record));
    return file;
  };
  const record = {
    version: VERSION,
    protocols: { '2025-06-18': { initialize: '{"protocolVersion":"2025-06-18"}', tools: 0 } },
    tools: ['{"tools":[]}'],
  };

  it("answers a recorded version's initialize and tools/list as whole JSON-RPC lines, with the request's id", () => {
    const h = recordedHandshake(write(record))!;
    expect(h.initialize(7, '2025-06-18')).toBe('{"result":{"protocolVersion":"2025-06-18"},"jsonrpc":"2.0","id":7}\n');
    expect(h.toolsList('a', '2025-06-18')).toBe('{"result":{"tools":[]},"jsonrpc":"2.0","id":"a"}\n');
  });

  it('a version it does not hold is not answered', () => {
    const h = recordedHandshake(write(record))!;
    expect(h.initialize(1, '2099-01-01')).toBeUndefined();
    expect(h.initialize(1, 42)).toBeUndefined();
    expect(h.toolsList(1, '2099-01-01')).toBeUndefined();
  });

  it("no record, another version's, or a broken one: none (every request forwarded)", () => {
    expect(recordedHandshake(join(tempDir('ollm-hs-'), 'handshake.json'))).toBeUndefined();
    expect(recordedHandshake(write({ ...record, version: '0.0.0-other' }))).toBeUndefined();
    expect(recordedHandshake(write('{"version":'))).toBeUndefined();
    expect(recordedHandshake(write({ version: VERSION, protocols: {} }))).toBeUndefined();
  });
});
