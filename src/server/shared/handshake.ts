/**
 * A forwarding launch answers the handshake a client makes at start — `initialize`, then
 * `tools/list` — from the record the build made of the built server's own answers
 * (scripts/handshake.mjs: `handshake.json` beside the bundle), while the shared server is reached
 * or started; the shared server then gets the client's initialize too (its answer is not passed
 * on: forward.ts) and answers everything else. The record holds the answers for the settings every
 * client gets by default, so it is used only when this launch's are those: every tool offered (the
 * toolsets, the project's tools) and no agent that is offered other tools. Run from source, or with
 * a record of another version, there is none: every request is forwarded.
 */
import { recordBeside } from './beside.js';
import { z } from 'zod';
import type { Settings } from '../../orchestrator/config/index.js';
import { toolAllowed, type ProjectProfile } from '../../orchestrator/project/project.js';
import { log } from '../../orchestrator/util/log.js';
import { ALL_TOOL_NAMES, toolsInSets } from '../../tools/toolsets.js';
import { VERSION } from '../version.js';
import type { RequestId } from './lines.js';

const recordSchema = z.object({
  version: z.string(),
  protocols: z.record(z.string(), z.object({ initialize: z.string(), tools: z.number().int().nonnegative() })),
  tools: z.array(z.string()),
});
type Record_ = z.infer<typeof recordSchema>;

/** Answers of the recorded handshake, as whole JSON-RPC lines. */
export class Handshake {
  constructor(private readonly record: Record_) {}

  /** The answer to `initialize` asking for `protocolVersion`, or undefined when that version was not recorded. */
  initialize(id: RequestId, protocolVersion: unknown): string | undefined {
    const p = typeof protocolVersion === 'string' ? this.record.protocols[protocolVersion] : undefined;
    return p && answer(id, p.initialize);
  }

  /** The answer to `tools/list` after an initialize with `protocolVersion`. */
  toolsList(id: RequestId, protocolVersion: string): string | undefined {
    const p = this.record.protocols[protocolVersion];
    const tools = p && this.record.tools[p.tools];
    return tools === undefined ? undefined : answer(id, tools);
  }
}

const answer = (id: RequestId, result: string) => `{"result":${result},"jsonrpc":"2.0","id":${JSON.stringify(id)}}\n`;

/** Whether this launch's settings and project offer what the record was made with: every tool, to every agent. */
export function offersAsRecorded(settings: Pick<Settings, 'toolsets' | 'agents'>, project: ProjectProfile | undefined): boolean {
  const sets = toolsInSets(settings.toolsets);
  return Object.keys(settings.agents).length === 0 && ALL_TOOL_NAMES.every((t) => sets.has(t) && toolAllowed(project, t));
}

/** The record beside the bundle this process runs (`file`: its path, for tests), when it is of this version. */
export function recordedHandshake(file?: string): Handshake | undefined {
  const record = recordBeside('handshake.json', file);
  if (!record) return undefined; // run from source: none
  const parsed = recordSchema.safeParse(record.json);
  if (!parsed.success || parsed.data.version !== VERSION) {
    log.debug(`handshake: ${record.path} is not this version's record: every request is forwarded`);
    return undefined;
  }
  return new Handshake(parsed.data);
}
