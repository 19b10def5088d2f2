/**
 * What the server lists, as plain data: every tool's name, description, annotations and JSON
 * Schemas, every resource's URI (or URI template) and metadata. The build records it once
 * (scripts/tool-schemas.ts) and embeds it, so a starting server answers initialize and the lists
 * from this data alone, without loading the orchestrator and the tools' code (core.ts), which
 * load when the first call needs them. Run from source (tests, `npm run dev`), it is recorded
 * from the tools and resources at start.
 */
import type { ToolAnnotations } from '@modelcontextprotocol/server';

export interface ToolEntry {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  _meta?: Record<string, unknown>;
  /** The JSON Schemas tools/list publishes, by "input:io|target" and "output:io|target". */
  schemas: Record<string, Record<string, unknown>>;
}

export interface ResourceEntry {
  name: string;
  /** A fixed URI, or a template whose list and completions the core answers. */
  uri?: string;
  template?: { uriTemplate: string; list: boolean; complete: string[] };
  metadata: Record<string, unknown>;
}

export interface Catalog {
  tools: ToolEntry[];
  resources: ResourceEntry[];
}

/** The catalog as the build recorded it: a JSON text, parsed on first use (faster than a literal). */
declare const __OLLM_CATALOG__: string | undefined;

let built: Catalog | undefined;

/** The embedded catalog, or undefined when running from source. */
export function builtCatalog(): Catalog | undefined {
  if (built === undefined && typeof __OLLM_CATALOG__ !== 'undefined' && __OLLM_CATALOG__)
    built = JSON.parse(__OLLM_CATALOG__) as Catalog;
  return built;
}
