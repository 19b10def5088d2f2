/**
 * A forwarding launch answers the handshake a client makes at start — `initialize`, then
 * `tools/list` — from the record the build made of the built server's own answers
 * (scripts/handshake.mjs: `handshake.json` beside the bundle), while the shared server is reached
 * or started; the shared server then gets the client's initialize too (its answer is not passed
 * on: forward.ts) and answers everything else. The record holds the answers for the settings every
 * client gets by default, so it is used only when this launch's are those: every tool offered (the
 * toolsets, the project's tools) and no agent that is offered other tools. Run from source, or with
 * a record of another version, there is none: every request is forwarded. Whether this launch's
 * settings are those is decided where they are loaded (settings-plan.ts offersAsRecorded).
 */
import { log } from '../../orchestrator/util/log.js';
import { VERSION } from '../version.js';
import { recordBeside } from './beside.js';
import type { RequestId } from './lines.js';

/**
 * What the build records (scripts/handshake.mjs): per protocol version the initialize answer and which
 * tools/list answer.
 */
interface Record_ {
  version: string;
  protocols: Record<string, { initialize: string; tools: number }>;
  tools: string[];
}

/** The record, checked by hand (a forwarding launch loads no schema: memo.ts); undefined when it is not one. */
function checked(json: unknown): Record_ | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { version, protocols, tools } = json as Record<string, unknown>;
  if (typeof version !== 'string' || !Array.isArray(tools) || !tools.every((t) => typeof t === 'string'))
    return undefined;
  if (typeof protocols !== 'object' || protocols === null || Array.isArray(protocols)) return undefined;
  const valid = Object.values(protocols).every((p: unknown) => {
    const { initialize, tools: at } = (p ?? {}) as Record<string, unknown>;
    return typeof initialize === 'string' && Number.isSafeInteger(at) && (at as number) >= 0;
  });
  return valid
    ? { version, protocols: Object.assign(Object.create(null) as Record_['protocols'], protocols), tools }
    : undefined;
}

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

/** The record beside the bundle this process runs (`file`: its path, for tests), when it is of this version. */
export function recordedHandshake(file?: string): Handshake | undefined {
  const record = recordBeside('handshake.json', file);
  if (!record) return undefined; // run from source: none
  const parsed = checked(record.json);
  if (!parsed || parsed.version !== VERSION) {
    log.debug(`handshake: ${record.path} is not this version's record: every request is forwarded`);
    return undefined;
  }
  return new Handshake(parsed);
}
