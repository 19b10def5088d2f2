/**
 * The views' HTML, for the ui:// resources and the HTTP pages. The build inlines each view (its
 * script and styles in one self-contained page) into the server bundle; run from source, the
 * pages are read from the last build's dist/views.
 */
import { readFileSync } from 'node:fs';

export const VIEWS = {
  compare: {
    uri: 'ui://ollm/compare',
    title: 'Compare view',
    description: 'Answers side by side with their timings, and a button to prefer one.',
  },
  status: {
    uri: 'ui://ollm/status',
    title: 'Fleet and memory monitor',
    description: 'Hosts, memory bars, loaded models with keep-alive countdowns, unload and pin buttons.',
  },
} as const;

export type ViewName = keyof typeof VIEWS;

declare const __OLLM_VIEWS__: Record<ViewName, string> | undefined;

export function viewHtml(name: ViewName): string {
  if (typeof __OLLM_VIEWS__ !== 'undefined' && __OLLM_VIEWS__) return __OLLM_VIEWS__[name];
  try {
    return readFileSync(new URL(`../../dist/views/${name}.html`, import.meta.url), 'utf8');
  } catch {
    return (
      `<!doctype html><meta charset="utf-8"><title>ollm-mcp</title><p>The ${name} view is built ` +
      `by <code>npm run build</code>.</p>`
    );
  }
}

/** The _meta that ties a tool to its view (current key and the older flat one some hosts read). */
export function viewMeta(name: ViewName): Record<string, unknown> {
  return { ui: { resourceUri: VIEWS[name].uri }, 'ui/resourceUri': VIEWS[name].uri };
}
