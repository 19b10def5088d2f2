/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The compare view: every model's answer in a column with its load time, time to first token,
 * generation time, tokens, tokens/s and host, and a button to prefer that model for the
 * comparison's kind of work (prefer_model). In a plain browser it first asks for a prompt.
 */
import { connectBridge, textOf, type Bridge, type ToolResult } from './bridge.js';
import { $, esc, markdown, secs } from './ui.js';

interface Entry {
  model: string;
  text: string;
  error?: string;
  host?: string;
  loadedBefore?: boolean;
  metrics: {
    loadMs: number;
    timeToFirstTokenMs: number;
    generationMs: number;
    totalMs: number;
    outputTokens: number;
    tokensPerSecond: number;
  };
}
interface Comparison {
  comparisonId: string;
  task: string;
  results: Entry[];
  parallel: boolean;
  fastest?: string;
  summary?: string;
  wallMs: number;
}

const bridge: Bridge = connectBridge('ollm-compare');

function metricsList(e: Entry): string {
  const m = e.metrics;
  const rows: Array<[string, string]> = [
    ['load', e.loadedBefore && m.loadMs < 50 ? `${secs(m.loadMs)} (was loaded)` : secs(m.loadMs)],
    ['first token', secs(m.timeToFirstTokenMs)],
    ['generation', secs(m.generationMs)],
    ['tokens', String(m.outputTokens)],
    ['tokens/s', String(m.tokensPerSecond)],
    ['total', secs(m.totalMs)],
    ['host', e.host ?? 'ollama'],
  ];
  return (
    `<dl ` +
    `class="metrics">${rows.map(([k, v]) => `<dt>${k}</dt><dd data-metric="${k}">${esc(v)}</dd>`).join('')}</dl>`
  );
}

function render(c: Comparison): void {
  // the server's own account of what happened (who answered, how and why they ran as they did)
  const how = c.summary ?? (c.parallel ? 'Some ran side by side.' : '');
  $('#summary').innerHTML =
    `<h1>Comparison for ${esc(c.task)} work</h1><p class="muted">${c.results.length} models, ${secs(c.wallMs, 1)} in all. ${esc(how)}${
      c.fastest ? ` Fastest by tokens/s: <strong>${esc(c.fastest)}</strong> (load time not counted).` : ''
    }</p>`;
  $('#answers').innerHTML = c.results
    .map(
      (e, i) => `<article class="card${e.model === c.fastest ? ' fastest' : ''}" data-model="${esc(e.model)}">
  <h2>${esc(e.model)}${e.model === c.fastest ? '<span class="tag ok">fastest</span>' : ''}</h2>
  ${e.error ? `<p class="warn">Failed: ${esc(e.error)}</p>` : metricsList(e)}
  <div class="answer">${e.error ? '' : markdown(e.text)}</div>
  ${e.error ? '' : `<div class="row"><button type="button" data-prefer="${i}">Prefer ${esc(e.model)} for ${esc(c.task)}</button><span class="status" role="status" aria-live="polite"></span></div>`}
</article>`,
    )
    .join('');
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-prefer]')) {
    const entry = c.results[Number(button.dataset.prefer)]!;
    button.addEventListener('click', () => void prefer(c, entry, button));
  }
  bridge.resized();
}

async function prefer(c: Comparison, e: Entry, button: HTMLButtonElement): Promise<void> {
  const status = button.nextElementSibling as HTMLElement;
  button.disabled = true;
  status.textContent = 'Saving…';
  try {
    const r = await bridge.callTool('prefer_model', { model: e.model, comparisonId: c.comparisonId });
    if (r.isError) throw new Error(textOf(r));
    for (const other of document.querySelectorAll<HTMLElement>('article.card')) other.classList.remove('preferred');
    for (const s of document.querySelectorAll<HTMLElement>('article.card .status'))
      if (s !== status) s.textContent = '';
    button.closest('article')!.classList.add('preferred');
    const task = (r.structuredContent?.task as string | undefined) ?? c.task;
    status.innerHTML = `<span class="ok">✓ Preferred for ${esc(task)} work</span>`;
  } catch (err) {
    status.innerHTML = `<span class="warn">${esc(err instanceof Error ? err.message : String(err))}</span>`;
  } finally {
    button.disabled = false;
    bridge.resized();
  }
}

function show(r: ToolResult): void {
  const c = r.structuredContent as Comparison | undefined;
  if (r.isError || !c?.results) {
    $('#summary').innerHTML = `<p class="warn">${esc(textOf(r) || 'The comparison did not return results.')}</p>`;
    return;
  }
  render(c);
}

bridge.onResult(show);
bridge.onInput((args) => {
  if (typeof args.prompt === 'string')
    $('#summary').innerHTML = `<p class="muted">Comparing answers to “${esc(args.prompt.slice(0, 200))}”…</p>`;
});

if (bridge.mode === 'browser') {
  const form = $('#ask') as HTMLFormElement;
  form.hidden = false;
  // nothing is being compared until the form is sent
  $('#summary').innerHTML =
    '<p class="muted">Write a prompt and press Compare: it runs on 2 to 5 local models (the ' +
    'best candidates for the work when you name none) and shows their answers and speeds side ' +
    'by side.</p>';
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const prompt = ($('#prompt') as HTMLTextAreaElement).value.trim();
    const models = ($('#models') as HTMLInputElement).value.split(/[\s,]+/).filter(Boolean);
    if (!prompt) return;
    const go = $('#go') as HTMLButtonElement;
    go.disabled = true;
    $('#summary').innerHTML = '<p class="muted">Running the comparison…</p>';
    bridge
      .callTool('compare', { prompt, ...(models.length && { models }) })
      .then(show, (err: Error) => ($('#summary').innerHTML = `<p class="warn">${esc(err.message)}</p>`))
      .finally(() => (go.disabled = false));
  });
}
