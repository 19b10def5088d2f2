/**
 * The plain parts a use case (a job: route, offload, compare, smart load, delete) works with —
 * the fleet, the records, the settings — and nothing else. A job never sees the assembly
 * (orchestrator.ts): the assembly has these parts, and passes itself as them.
 */
import type { Settings } from '../config/index.js';
import type { Fallback } from '../engines/engine.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import type { PickHostOptions } from '../fleet/pick-host.js';
import type { HostCooldown } from '../fleet/placement.js';
import type { ExtraCopies } from '../fleet/extra-copies.js';
import type { RoutingSettings } from '../generation/routing-shapes.js';
import type { MemoryProvider } from '../memory/memory-hook.js';
import type { ProjectProfile } from '../project/project.js';
import type { Comparisons } from '../stores/comparisons.js';
import type { MetricsStore } from '../stores/metrics.js';
import type { Outcomes } from '../stores/outcomes.js';
import type { Preferences } from '../stores/preferences.js';
import type { MadeFor } from '../stores/made-for.js';
import type { SpeedStore } from '../stores/speeds.js';

/** Every host of every engine kind, by priority, and which of them are resting after not answering. */
interface JobFleet {
  readonly hosts: readonly FleetHost[];
  readonly hostCooldown: HostCooldown;
  /** host:port of the default host, for messages. */
  readonly host: string;
  /** Pins loaded again since the last answer (on any host), for the next result's notes; each said once. */
  pinNotes(): string[];
  /** The host a management call acts on (fleet/pick-host.ts). */
  pickHost(opts?: PickHostOptions): Promise<FleetHost>;
  /** Copies of a model loaded on another host for a rush, released when idle (fleet/extra-copies.ts). */
  readonly extraCopies?: ExtraCopies;
}

/** What happened to earlier work, which routing learns from and results report. */
export interface Records {
  readonly metrics: MetricsStore;
  readonly outcomes: Outcomes;
  readonly preferences: Preferences;
  readonly comparisons: Comparisons;
  /** The models made for a kind of work (create_model's task). */
  readonly madeFor: MadeFor;
  /** The speeds models showed on each host (reading prompts, writing answers): what estimates are made from. */
  readonly speeds?: SpeedStore;
}

export interface JobParts {
  readonly fleet: JobFleet;
  readonly records: Records;
  readonly settings: Settings;
  /** $OLLM_HOME, where shared records are kept. */
  readonly home: string;
  /** Remembered facts for prompts. */
  readonly memory?: MemoryProvider | undefined;
  readonly project?: ProjectProfile | undefined;
  /** The cloud fallback: the last member, asked when every local engine failed. */
  readonly fallback?: Fallback | undefined;
  /** The calling agent's system prompt (settings' agents.NAME.system: agent-parts.ts). */
  readonly agentSystem?: string | undefined;
  /** How the router is set up now: settings' overrides and default, the user's preferences, what it learned. */
  routing(): RoutingSettings;
}
