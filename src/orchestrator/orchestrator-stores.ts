/**
 * The core's records, assembled: the stores of what happened before (metrics, what loads took,
 * speeds, outcomes, savings, agents, preferences, the models made for a task, comparisons) and the
 * remembered facts — each made here, read once a request needs them (stateRead) and closed at
 * shutdown (closeStores). The Orchestrator (orchestrator.ts) is built on them.
 */
import { join } from 'node:path';
import type { LoadedConfig } from './config/index.js';
import type { Records } from './route/parts.js';
import type { MemoryProvider } from './memory/memory-hook.js';
import { MemoryStore } from './memory/memory-store.js';
import { MetricsStore } from './stores/metrics.js';
import { SeenSizes } from './stores/seen-sizes.js';
import { SpeedStore } from './stores/speeds.js';
import { Outcomes } from './stores/outcomes.js';
import { SavingsStore } from './stores/savings-store.js';
import { AgentsStore, type AgentRecord } from './stores/agents.js';
import { Comparisons } from './stores/comparisons.js';
import { Preferences } from './stores/preferences.js';
import { MadeFor } from './stores/made-for.js';

export class CoreStores {
  /** What happened to earlier work (metrics, outcomes, preferences, comparisons), for the jobs. */
  readonly records: Records;
  readonly metrics: MetricsStore;
  /** What models took once loaded, per host and context: what loading decisions learn from. */
  readonly seenSizes: SeenSizes;
  /** What happened to earlier answers (verdicts, failures, speed…), which routing learns from. */
  readonly outcomes: Outcomes;
  /** The speeds models showed on each host: what plans' estimates are made from (generation/estimate.ts). */
  readonly speeds: SpeedStore;
  /** What offloaded calls saved the assistant, shared with other ollm-mcp processes through the state database. */
  readonly savings: SavingsStore;
  /**
   * What each agent (client) asked and gave as verdicts; its tokens and savings are the ledger's
   * (stores/agents.ts).
   */
  readonly agents: AgentsStore;
  readonly comparisons = new Comparisons();
  private stateReading?: Promise<unknown>;
  /**
   * Settles once the shared state a request may need (metrics, preferences, the ledger, what
   * routing learned) has been read — started by the first tool or resource that needs it, not at
   * start: opening the state database loads SQLite (~25 ms, ~12 MB), which initialize and the
   * lists do not need.
   */
  get stateRead(): Promise<unknown> {
    return (this.stateReading ??= Promise.all([
      this.metrics.load(),
      this.seenSizes.load(),
      this.preferences.load(),
      this.madeFor.load(),
      this.savings.load(),
      this.outcomes.load(),
      this.agents.load(),
      this.speeds.load(),
    ]));
  }
  readonly preferences: Preferences;
  /** The models made for a kind of work (create_model's task), shared through the state database. */
  readonly madeFor: MadeFor;
  /** Remembered facts, shared with other ollm-mcp processes through $OLLM_HOME/memory.json. */
  readonly memoryStore: MemoryStore;
  /** What generation asks for remembered facts (the memory store). */
  memory?: MemoryProvider;

  constructor(readonly config: LoadedConfig) {
    this.metrics = new MetricsStore(config.home, { legacyFile: join(config.home, 'metrics.json') });
    this.savings = new SavingsStore(config.home, config.settings.savings, {
      legacyFile: join(config.home, 'savings.json'),
    });
    this.agents = new AgentsStore(config.home);
    this.seenSizes = new SeenSizes(config.home);
    this.preferences = new Preferences(config.home, { legacyFile: join(config.home, 'preferences.json') });
    this.madeFor = new MadeFor(config.home);
    this.outcomes = new Outcomes(config.home);
    this.speeds = new SpeedStore(config.home);
    this.records = {
      metrics: this.metrics,
      outcomes: this.outcomes,
      preferences: this.preferences,
      comparisons: this.comparisons,
      madeFor: this.madeFor,
      speeds: this.speeds,
    };
    const { maxEntries, maxValueChars } = config.settings.memory;
    this.memoryStore = new MemoryStore(config.home, { maxEntries, maxValueChars }, { legacyFile: config.memoryFile });
    this.memory = this.memoryStore;
  }

  /** Every agent's record, most requests first: its calls and verdicts, its tokens and savings from the ledger. */
  agentRecords(): AgentRecord[] {
    return this.agents.records(this.savings.summary().byAgent);
  }

  /** Counters and memory uses written, and the stores closed: what shutdown waits for (within its bound). */
  protected closeStores(): Promise<unknown>[] {
    return [
      this.metrics.close(),
      this.seenSizes.close(),
      this.savings.close(),
      this.agents.close(),
      this.memoryStore.flush().then(() => this.memoryStore.settled()),
    ];
  }
}
