/**
 * The model the user preferred for a kind of work (seed 003: "user can select preferred
 * response"), kept in the state database and honoured by the router from then on.
 */
import { SharedDocument } from '../storage/shared-doc.js';
import { log } from '../util/log.js';
import { PROFILE_NAMES, type ProfileName, type TaskType } from '../config/profiles.js';

export interface Preference {
  model: string;
  task: TaskType;
  at: string;
  /** The comparison it was chosen from, when there was one. */
  comparisonId?: string;
}

/** Preferences by profile. A Map: profile names come from stored JSON a person may have edited. */
type Table = ReadonlyMap<ProfileName, Preference>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(raw: unknown): { value: Table; rejected: unknown[] } | null {
  if (!isObj(raw) || !isObj(raw.byProfile)) return null;
  const out = new Map<ProfileName, Preference>();
  const rejected: unknown[] = [];
  for (const [profile, v] of Object.entries(raw.byProfile)) {
    const known = (PROFILE_NAMES as readonly string[]).includes(profile);
    if (known && isObj(v) && typeof v.model === 'string' && typeof v.task === 'string' && typeof v.at === 'string')
      out.set(profile as ProfileName, v as unknown as Preference);
    else rejected.push({ [profile]: v });
  }
  return { value: out, rejected };
}

/** Stored: an object by profile, written key by key so no name can reach a prototype. */
function serialise(table: Table): unknown {
  const byProfile: Record<string, Preference> = Object.create(null) as Record<string, Preference>;
  for (const [profile, pref] of table) byProfile[profile] = pref;
  return { version: 1, byProfile };
}

export class Preferences {
  private table: Table = new Map();
  private readonly file: SharedDocument<Table>;

  /** `legacyFile`: an earlier version's preferences.json, imported once. */
  constructor(home: string, options: { legacyFile?: string } = {}) {
    this.file = new SharedDocument<Table>(home, {
      name: 'preferences',
      parse,
      empty: () => new Map(),
      serialise,
      count: (t) => t.size,
      ...options,
    });
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
