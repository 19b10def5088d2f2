/**
 * The model the user preferred for a kind of work (seed 003: "user can select preferred
 * response"), kept in $OLLM_HOME/preferences.json and honoured by the router from then on.
 */
import { SharedJsonFile } from '../storage/shared-file.js';
import { log } from '../util/log.js';
import { PROFILE_NAMES, type ProfileName, type TaskType } from '../models/profiles.js';

export interface Preference {
  model: string;
  task: TaskType;
  at: string;
  /** The comparison it was chosen from, when there was one. */
  comparisonId?: string;
}

/** Preferences by profile. A Map: profile names come from a file a person may edit. */
type Table = ReadonlyMap<ProfileName, Preference>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(raw: unknown): { value: Table; rejected: unknown[] } | null {
  if (!isObj(raw) || !isObj(raw.byProfile)) return null;
  const out = new Map<ProfileName, Preference>();
  const rejected: unknown[] = [];
  for (const [profile, v] of Object.entries(raw.byProfile)) {
    const known = (PROFILE_NAMES as readonly string[]).includes(profile);
    if (known && isObj(v) && typeof v.model === 'string' && typeof v.task === 'string' && typeof v.at === 'string') out.set(profile as ProfileName, v as unknown as Preference);
    else rejected.push({ [profile]: v });
  }
  return { value: out, rejected };
}

/** On disk: an object by profile, written key by key so no name can reach a prototype. */
function serialise(table: Table): unknown {
  const byProfile: Record<string, Preference> = Object.create(null) as Record<string, Preference>;
  for (const [profile, pref] of table) byProfile[profile] = pref;
  return { version: 1, byProfile };
}

export class Preferences {
  private table: Table = new Map();
  private readonly file: SharedJsonFile<Table>;

  constructor(path: string) {
    this.file = new SharedJsonFile<Table>(path, { parse, empty: () => new Map(), serialise, count: (t) => t.size, label: 'preferences' });
  }

  async load(): Promise<void> {
    try {
      this.table = await this.file.snapshot();
    } catch (err) {
      log.warn(`preferences: ${(err as Error).message}`);
    }
  }

  async set(profile: ProfileName, pref: Preference): Promise<void> {
    this.table = await this.file.update((current) => new Map(current).set(profile, pref));
  }

  /** Preferred model per profile, for the router. */
  byProfile(): Partial<Record<ProfileName, string>> {
    return Object.fromEntries([...this.table].map(([p, v]) => [p, v.model]));
  }

  all(): Partial<Record<ProfileName, Preference>> {
    return Object.fromEntries(this.table);
  }
}
