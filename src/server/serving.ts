/**
 * What a serving process holds before its first call: the settings, the project, the templates
 * (listed as prompts) and the catalog of tools and resources (catalog.ts). The core — the
 * orchestrator and the code of every tool (core.ts) — is loaded by the first call that needs it,
 * or CORE_WARM_MS after serving starts, whichever comes first. A client's initialize and lists are
 * thus answered without it: start-up compiles and runs a third of the code it used to.
 */
import type { LoadedConfig, Settings } from '../orchestrator/config/index.js';
import type { ProjectProfile } from '../orchestrator/project/project.js';
import { TemplateLibrary } from '../orchestrator/templates/library.js';
import { log } from '../orchestrator/util/log.js';
import { builtCatalog, type Catalog } from './catalog.js';
import type { Core, CoreParts } from './core.js';
import { loadSkills } from './skills.js';
import type { SkillCatalog } from '@modelcontextprotocol/server/ext/skills';

/**
 * After the handshake a client makes at start (initialize, then the lists), before the first call a person
 * asks for.
 */
export const CORE_WARM_MS = 300;

export class Serving {
  readonly templates: TemplateLibrary;
  /** The package's skills (skills.ts), read by prepare(); undefined until then, or when they could not be read. */
  skills?: SkillCatalog;
  private loading?: Promise<Core>;
  private warmTimer?: NodeJS.Timeout;

  constructor(
    readonly config: LoadedConfig,
    readonly project?: ProjectProfile,
  ) {
    this.templates = new TemplateLibrary(config.templatesDir, config.home);
  }

  get settings(): Settings {
    return this.config.settings;
  }

  /** The core, made once: by the first call that needs it, or by warm(). */
  core(): Promise<Core> {
    clearTimeout(this.warmTimer);
    return (this.loading ??= this.startCore());
  }

  /**
   * Settles who plans each engine this server may share with others on the machine (engine-claims-setup.ts,
   * set by what serves); none: this server plans them all.
   */
  claimsFrom?: () => Promise<CoreParts['claims']>;
  /** Who plans each engine, settled as the core is made. */
  claims?: CoreParts['claims'];
  /**
   * Calls the other servers of this machine send to the engines this one plans (its loopback endpoint): in
   * flight now, and when the last came.
   */
  readonly relayed = { inFlight: 0, lastAt: 0 };

  private claiming?: Promise<CoreParts['claims']>;

  /** Claims set up once (its loopback endpoint started): begun by prepare(), off the first call's path. */
  private claimsReady(): Promise<CoreParts['claims']> {
    return (this.claiming ??= this.claimsFrom?.() ?? Promise.resolve(undefined));
  }

  private async startCore(): Promise<Core> {
    const [{ startCore }, claims] = await Promise.all([import('./core.js'), this.claimsReady()]);
    this.claims ??= claims;
    return startCore(this);
  }

  /** The catalog: the build's, or (run from source) recorded from the tools and resources. */
  async catalog(): Promise<Catalog> {
    return builtCatalog() ?? (await import('./core.js')).recordCatalog();
  }

  /**
   * The templates read (prompts are registered from them) and followed, the skills read, and the core loaded
   * soon (its pins, its greeting of Ollama).
   */
  async prepare(): Promise<void> {
    const [, skills] = await Promise.all([
      this.templates.refresh().catch((err: unknown) => log.warn(`templates: ${(err as Error).message}`)),
      loadSkills(),
    ]);
    this.skills = skills;
    this.templates.watch();
    void this.claimsReady(); // the engine claims' endpoint started now, before the first call needs it
    this.warmTimer = setTimeout(
      () => void this.core().catch((err: unknown) => log.error(`could not start: ${(err as Error).message}`)),
      CORE_WARM_MS,
    );
    this.warmTimer.unref();
  }

  /** Work in flight cancelled, pins released and state written (when the core was made), within `withinMs`. */
  async stop(withinMs: number): Promise<void> {
    clearTimeout(this.warmTimer);
    this.templates.unwatch();
    const core = await this.loading?.catch(() => undefined);
    await core?.stop(withinMs);
  }
}
