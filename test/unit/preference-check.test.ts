import { describe, expect, it } from 'vitest';
import { checkPreference, modelsFor } from '../../src/orchestrator/generation/preference-check.js';
import type { RouteCandidate } from '../../src/orchestrator/generation/routing-shapes.js';

function model(name: string, over: Partial<RouteCandidate> = {}): RouteCandidate {
  return {
    name,
    sizeBytes: 4.7e9,
    family: 'llama',
    parameterSize: '7B',
    capabilities: ['completion'],
    profiles: ['general'],
    loaded: false,
    fits: true,
    fitsNow: true,
    requiredBytes: 5.6e9,
    contextWindow: 32768,
    ...over,
  };
}

const coder = model('qwen2.5-coder:7b', { family: 'qwen2', profiles: ['code'] });
const llama = model('llama3.1:8b', { parameterSize: '8B', profiles: ['general', 'creative'] });
const small = model('llama3.2:latest', { parameterSize: '3.2B', sizeBytes: 2e9, profiles: ['general', 'fast'] });
const llava = model('llava:7b', { capabilities: ['completion', 'vision'], profiles: ['vision'] });
const embed = model('nomic-embed-text:latest', { family: 'nomic-bert', capabilities: ['embedding'], profiles: [] });
const painter = model('x/flux2-klein:latest', { capabilities: ['image'], profiles: [] });
const installed = [coder, llama, small, llava, embed, painter];

describe('checkPreference', () => {
  it('accepts a model that can do the work', () => {
    expect(checkPreference('qwen2.5-coder:7b', 'code', installed)).toMatchObject({
      ok: true,
      model: { name: 'qwen2.5-coder:7b' },
    });
    expect(checkPreference('qwen2.5-coder:7b', 'debugging', installed).ok).toBe(true);
    expect(checkPreference('llava:7b', 'vision', installed)).toMatchObject({ ok: true, model: { name: 'llava:7b' } });
    expect(checkPreference('llama3.1:8b', 'summarize', installed).ok).toBe(true);
    // the router falls back from fast to general models, so a general model may be preferred for fast work
    expect(checkPreference('llama3.1:8b', 'fast', installed).ok).toBe(true);
  });

  it('refuses an embedding model for general work, saying what it does and which models can', () => {
    const v = checkPreference('nomic-embed-text', 'general', installed);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.installed).toBe(true);
    expect(v.message).toMatch(
      /^nomic-embed-text:latest cannot be preferred for general work: it does not suit general work — it serves embeddings only \(it writes no text\)/,
    );
    expect(v.message).toMatch(/Installed models that can do general work: llama3\.1:8b, llama3\.2:latest\.$/);
    expect(v.alternatives).not.toContain('nomic-embed-text:latest');
  });

  it(
    "accepts a general or a vision model for code: the user's choice outranks the profile rule " + '(it writes text)',
    () => {
      expect(checkPreference('llama3.1:8b', 'code', installed)).toMatchObject({
        ok: true,
        model: { name: 'llama3.1:8b' },
      });
      expect(checkPreference('llava:7b', 'debugging', installed)).toMatchObject({
        ok: true,
        model: { name: 'llava:7b' },
      });
    },
  );

  it('refuses an embedding model for code, naming what it does and the code models', () => {
    const v = checkPreference('nomic-embed-text', 'code', installed);
    expect(v).toMatchObject({ ok: false, installed: true, alternatives: ['qwen2.5-coder:7b'] });
    if (v.ok) return;
    expect(v.message).toMatch(
      /nomic-embed-text:latest cannot be preferred for code work: it does not suit code work — it serves embeddings only \(it writes no text\)/,
    );
    expect(v.message).toMatch(/Installed models that can do code work: qwen2\.5-coder:7b\./);
  });

  it('refuses a general model for images and an image generator for anything', () => {
    const blind = checkPreference('llama3.1:8b', 'vision', installed);
    expect(blind.ok).toBe(false);
    if (!blind.ok)
      expect(blind.message).toMatch(
        /cannot see images \(it serves general and creative work\).*can do vision work: llava:7b\./,
      );
    const flux = checkPreference('x/flux2-klein', 'creative', installed);
    expect(flux.ok).toBe(false);
    if (!flux.ok) expect(flux.message).toMatch(/image generation only/);
  });

  it('refuses a model that is not installed, with the pull command, similar names and the models that can', () => {
    const v = checkPreference('deepseek-coder:6.7b', 'code', installed);
    expect(v).toMatchObject({ ok: false, installed: false });
    if (v.ok) return;
    expect(v.message).toMatch(
      /^"deepseek-coder:6\.7b" is not installed\. Pull it with `ollama pull deepseek-coder:6\.7b` first.*can do code work: qwen2\.5-coder:7b\.$/,
    );
    const tag = checkPreference('llava:13b', 'vision', installed);
    if (!tag.ok) expect(tag.message).toMatch(/Installed under other names: llava:7b/);
  });

  it('refuses a model too big for the host, and says when no installed model can do the work', () => {
    const huge = model('llama3.1:70b', {
      parameterSize: '70B',
      fits: false,
      requiredBytes: 48e9,
      profiles: ['general'],
    });
    const v = checkPreference('llama3.1:70b', 'general', [huge, small]);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.message).toMatch(/does not fit in this host's memory \(needs 48 GB\)/);
    const none = checkPreference('nomic-embed-text', 'code', [embed, small]);
    expect(none.ok).toBe(false);
    if (!none.ok)
      expect(none.message).toMatch(
        /No installed model can do code work yet — pull one made for code work, such as qwen2\.5-coder\./,
      );
  });

  it('lists the models that can do the work in the router order, never unsuitable ones', () => {
    expect(modelsFor('code', installed)).toEqual(['qwen2.5-coder:7b']);
    expect(modelsFor('vision', installed)).toEqual(['llava:7b']);
    expect(modelsFor('fast', installed)).toEqual(['llama3.2:latest', 'llama3.1:8b']);
    expect(modelsFor('general', installed)).not.toContain('nomic-embed-text:latest');
  });
});
