/**
 * The templates as the server offers them: the last listing kept for code that must answer at
 * once (registering MCP prompts), refreshed whenever a template is read or saved and when the
 * folder changes on disk, with listeners told when the set or a template's text changed.
 */
import { watch, type FSWatcher } from 'node:fs';
import { log } from '../log.js';
import { BUILTIN_TEMPLATES } from './builtin.js';
import { templateNameProblem, TemplateError } from './definition.js';
import { findTemplate, TemplateStore, type SaveResult, type StoredTemplate, type TemplateListing, type TemplateProblem } from './store.js';

const signature = (l: TemplateListing) => JSON.stringify(l.templates);

export class TemplateLibrary {
  private readonly store: TemplateStore;
  private last: TemplateListing = { templates: BUILTIN_TEMPLATES.map((t) => ({ ...t, source: 'builtin' as const })), problems: [] };
  private readonly listeners = new Set<(templates: readonly StoredTemplate[]) => void>();
  private watcher?: FSWatcher;
  private following = false;
  private timer?: NodeJS.Timeout;

  constructor(readonly dir: string) {
    this.store = new TemplateStore(dir);
  }

  /** The last listing read (the built-ins until the folder has been read once). */
  current(): TemplateListing {
    return this.last;
  }

  /** Reads the folder again; listeners hear of any change. */
  async refresh(): Promise<TemplateListing> {
    const next = await this.store.list();
    const changed = signature(next) !== signature(this.last);
    this.last = next;
    if (changed) for (const fn of this.listeners) fn(next.templates);
    return next;
  }

  /** One template, read fresh, with the problems of files that would have defined it. */
  async lookup(name: string): Promise<{ template?: StoredTemplate; problems: TemplateProblem[] }> {
    const bad = templateNameProblem(name);
    if (bad) throw new TemplateError(bad);
    return findTemplate(await this.refresh(), name); // one read of the folder, which also refreshes the listing
  }

  async save(raw: unknown, options: { replace?: boolean } = {}): Promise<SaveResult> {
    const saved = await this.store.save(raw, options);
    await this.refresh();
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
        this.timer = setTimeout(() => void this.refresh().catch((e: unknown) => log.warn(`templates: ${(e as Error).message}`)), 100);
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
