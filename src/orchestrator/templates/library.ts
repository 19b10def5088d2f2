/**
 * The templates as the server offers them: the last listing kept for code that must answer at
 * once (registering MCP prompts), refreshed whenever a template is read or saved and when the
 * folder changes on disk, with listeners told when the set or a template's text changed. A
 * template that its users could not offer (say, as an MCP prompt) is listed as a problem too.
 */
import { watch, type FSWatcher } from 'node:fs';
import { log } from '../util/log.js';
import { BUILTIN_TEMPLATES } from './builtin.js';
import { templateNameProblem, TemplateError } from './definition.js';
import {
  findTemplate,
  TemplateStore,
  type SaveOptions,
  type SaveResult,
  type StoredTemplate,
  type TemplateListing,
  type TemplateProblem,
} from './store.js';

const signature = (l: TemplateListing) => JSON.stringify(l.templates);

export class TemplateLibrary {
  private readonly store: TemplateStore;
  private last: TemplateListing = {
    templates: BUILTIN_TEMPLATES.map((t) => ({ ...t, source: 'builtin' as const })),
    problems: [],
  };
  private readonly listeners = new Set<(templates: readonly StoredTemplate[]) => void>();
  /** Why a template could not be offered, by template name. */
  private readonly noted = new Map<string, TemplateProblem>();
  private watcher?: FSWatcher;
  private following = false;
  private timer?: NodeJS.Timeout;

  /** `home`: the settings folder ($OLLM_HOME); a templates folder placed in it must not be a link leading out of it. */
  constructor(
    readonly dir: string,
    readonly home?: string,
  ) {
    this.store = new TemplateStore(dir, home);
  }

  /** The last listing read (the built-ins until the folder has been read once). */
  current(): TemplateListing {
    return this.withNoted(this.last);
  }

  /**
   * Reads the folder again; listeners hear of any change (one failing listener keeps none of the others from
   * hearing).
   */
  async refresh(): Promise<TemplateListing> {
    const next = await this.store.list();
    const changed = signature(next) !== signature(this.last);
    this.last = next;
    if (changed) {
      for (const fn of this.listeners) {
        try {
          fn(next.templates);
        } catch (err) {
          log.warn(`templates: ${(err as Error).message}`);
        }
      }
    }
    return this.withNoted(next);
  }

  /**
   * Records why `template` cannot be offered (e.g. as an MCP prompt): it is listed as a problem of
   * its file until `clearNote`. Returns whether this is news (to log it once, not on every request).
   */
  note(template: StoredTemplate, message: string): boolean {
    const had = this.noted.get(template.name);
    if (had?.message === message) return false;
    this.noted.set(template.name, { file: template.file ?? template.name, message });
    return true;
  }

  /** The template can be offered again. */
  clearNote(name: string): void {
    this.noted.delete(name);
  }

  private withNoted(listing: TemplateListing): TemplateListing {
    if (this.noted.size === 0) return listing;
    const present = new Set(listing.templates.map((t) => t.name));
    const extra = [...this.noted].filter(([name]) => present.has(name)).map(([, problem]) => problem);
    return extra.length ? { templates: listing.templates, problems: [...listing.problems, ...extra] } : listing;
  }

  /** One template, read fresh, with the problems of files that would have defined it. */
  async lookup(name: string): Promise<{ template?: StoredTemplate; problems: TemplateProblem[] }> {
    const bad = templateNameProblem(name);
    if (bad) throw new TemplateError(bad);
    return findTemplate(await this.refresh(), name); // one read of the folder, which also refreshes the listing
  }

  /**
   * Saves through the store; once the file is written the save stands (a failing refresh is logged, not
   * reported as a failed save).
   */
  async save(raw: unknown, options: SaveOptions = {}): Promise<SaveResult> {
    const saved = await this.store.save(raw, options);
    await this.refresh().catch((err: unknown) => log.warn(`templates: ${(err as Error).message}`));
    if (this.following) this.watch(); // the folder may have just been created
    return saved;
  }

  onChange(fn: (templates: readonly StoredTemplate[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Follows edits made by hand while the server runs (when the folder exists). */
  watch(): void {
    this.following = true;
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(
          () => void this.refresh().catch((e: unknown) => log.warn(`templates: ${(e as Error).message}`)),
          100,
        );
        this.timer.unref();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // no folder yet: save_template creates it and refreshes itself
    }
  }

  unwatch(): void {
    this.following = false;
    this.watcher?.close();
    this.watcher = undefined;
  }
}
