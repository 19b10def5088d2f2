/**
 * The model the user preferred for a kind of work (seed 003: "user can select preferred
 * response"), kept in $OLLM_HOME/preferences.json and honoured by the router from then on.
 */
import { SharedJsonFile } from './json-file.js';
import { log } from './log.js';
import type { ProfileName, TaskType } from './profiles.js';

export interface Preference {
  model: string;
  task: TaskType;
  at: string;
  /** The comparison it was chosen from, when there was one. */
  comparisonId?: string;
}

type Table = Partial<Record<ProfileName, Preference>>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(raw: unknown): Table | null {
  if (!isObj(raw) || !isObj(raw.byProfile)) return null;
  const out: Table = {};
  for (const [profile, v] of Object.entries(raw.byProfile)) {
    if (isObj(v) && typeof v.model === 'string' && typeof v.task === 'string' && typeof v.at === 'string') out[profile as ProfileName] = v as unknown as Preference;
  }
  return out;
}

export class Preferences {
  private table: Table = {};
  private readonly file: SharedJsonFile<Table>;

  constructor(path: string) {
    this.file = new SharedJsonFile<Table>(path, { parse, empty: () => ({}), serialise: (byProfile) => ({ version: 1, byProfile }), label: 'preferences' });
  }

  async load(): Promise<void> {
    try {
      this.table = await this.file.read();
    } catch (err) {
      log.warn(`preferences: ${(err as Error).message}`);
    }
  }

  async set(profile: ProfileName, pref: Preference): Promise<void> {
    this.table = await this.file.update((current) => ({ ...current, [profile]: pref }));
  }

  /** Preferred model per profile, for the router. */
  byProfile(): Partial<Record<ProfileName, string>> {
    return Object.fromEntries(Object.entries(this.table).map(([p, v]) => [p, v.model]));
  }

  all(): Table {
    return { ...this.table };
  }
}
