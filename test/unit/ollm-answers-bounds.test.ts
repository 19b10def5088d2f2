// What a team's GPU box answers, field by field: each valid answer mapped exactly (no key more,
// none less), each bound and each refusal with its words — the checks of ollm-answers.ts where
// another process's answer enters (list_models, show_model, route_and_generate, a tool's refusal).
import { describe, expect, it } from 'vitest';
import {
  boxAnswer,
  boxModels,
  boxRefusal,
  boxShow,
  contentText,
  fitOf,
} from '../../src/orchestrator/engines/ollm/ollm-answers.js';
import { MAX_TEXT } from '../../src/orchestrator/engines/ollm/ollm-schemas.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';

const BOX = { who: 'ollm-mcp gpubox (http://gpubox:3333/mcp)', host: 'gpubox:3333' };
const NEVER = new Date('2318-01-01T00:00:00Z');

const model = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  sizeBytes: 4_920_000_000,
  family: 'qwen3',
  parameterSize: '8.2B',
  quantization: 'Q4_K_M',
  contextWindow: 40_960,
  capabilities: ['completion', 'tools'],
  loaded: false,
  ...extra,
});
const list = (models: unknown[], loaded: unknown[] = []) => ({ host: '127.0.0.1:11434', models, loaded, ram: {} });
const details = {
  parent_model: '',
  format: 'gguf',
  family: 'qwen3',
  families: ['qwen3'],
  parameter_size: '8.2B',
  quantization_level: 'Q4_K_M',
};

function refused(run: () => unknown): HostError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(HostError);
    return err as HostError;
  }
  throw new Error('not refused');
}

const notTheAnswer = (tool: string, where: string, message: string) =>
  `${BOX.who} answered ${tool} with something that is not ollm-mcp's answer (${where}: ` +
  `${message}) — is hosts.*.url another ollm-mcp's /mcp endpoint, of a version that speaks ` +
  `this one's tools?`;

describe("the box's list_models, mapped exactly", () => {
  it(
    'an installed model: its name, size, digest, details, window; never expiring here; no fit ' +
      'when the box says none',
    () => {
      const { installed, loaded, listed } = boxModels(list([model('qwen3:8b')]), BOX);
      expect(installed).toStrictEqual([
        {
          name: 'qwen3:8b',
          model: 'qwen3:8b',
          modified_at: new Date(0),
          size: 4_920_000_000,
          digest: 'ollm:qwen3:8b:4920000000',
          details,
          expires_at: NEVER,
          size_vram: 0,
          context_length: 40_960,
        },
      ]);
      expect(loaded).toStrictEqual([]);
      expect([...listed.keys()]).toEqual(['qwen3:8b']);
    },
  );

  it('a model without a family has no families', () => {
    const { installed } = boxModels(list([model('a', { family: '' })]), BOX);
    expect(installed[0]!.details).toStrictEqual({ ...details, family: '', families: [] });
  });

  it('carries the fit the box plans', () => {
    const { installed } = boxModels(
      list([model('a', { fits: true, fitsNow: false, requiredBytes: 9_000_000_000 })]),
      BOX,
    );
    expect(installed[0]!.fit).toStrictEqual({ fitsNow: false, fitsAfterUnload: true, needBytes: 9_000_000_000 });
  });

  it(
    'a loaded model: its sizes and expiry from the loaded entry, its window from the model when ' +
      'the entry names none',
    () => {
      const { loaded } = boxModels(
        list([model('a')], [{ name: 'a', sizeBytes: 6e9, vramBytes: 5e9, expiresAt: '2030-01-01T00:00:00Z' }]),
        BOX,
      );
      expect(loaded).toStrictEqual([
        {
          name: 'a',
          model: 'a',
          modified_at: new Date(0),
          size: 6e9,
          digest: 'ollm:a:4920000000',
          details,
          expires_at: new Date('2030-01-01T00:00:00Z'),
          size_vram: 5e9,
          context_length: 40_960,
        },
      ]);
    },
  );

  it(
    'an expiry that is no date is never; a model loaded on two hosts is the first; a loaded ' +
      'model not listed is left out',
    () => {
      const { loaded } = boxModels(
        list(
          [model('a')],
          [
            { name: 'ghost', sizeBytes: 1, vramBytes: 1, expiresAt: 'x' },
            { name: 'a', sizeBytes: 6e9, vramBytes: 5e9, expiresAt: 'not a date', contextLength: 8192, host: 'h1' },
            {
              name: 'a',
              sizeBytes: 7e9,
              vramBytes: 7e9,
              expiresAt: '2030-01-01T00:00:00Z',
              contextLength: 4096,
              host: 'h2',
            },
          ],
        ),
        BOX,
      );
      expect(loaded.map((m) => [m.name, m.size, m.size_vram, m.expires_at, m.context_length])).toEqual([
        ['a', 6e9, 5e9, NEVER, 8192],
      ]);
    },
  );
});

describe('the fit a box plans (fitOf)', () => {
  it('none for a model its engine plans itself, one on ollama.com, or no fitsNow said', () => {
    expect(fitOf({ fitsNow: true, fits: true, selfManaged: true })).toBeUndefined();
    expect(fitOf({ fitsNow: true, fits: true, cloud: true })).toBeUndefined();
    expect(fitOf({ fits: true, requiredBytes: 6e9 })).toBeUndefined();
  });

  it('none for figures that contradict each other (fits now, not at all)', () => {
    expect(fitOf({ fitsNow: true, fits: false, requiredBytes: 6e9 })).toBeUndefined();
  });

  it('each figure said, and only those', () => {
    expect(fitOf({ fitsNow: true, fits: true, requiredBytes: 6e9, selfManaged: false, cloud: false })).toStrictEqual({
      fitsNow: true,
      fitsAfterUnload: true,
      needBytes: 6e9,
    });
    expect(fitOf({ fitsNow: false, fits: false, requiredBytes: 3.2e10 })).toStrictEqual({
      fitsNow: false,
      fitsAfterUnload: false,
      needBytes: 3.2e10,
    });
    expect(fitOf({ fitsNow: true })).toStrictEqual({ fitsNow: true });
    expect(fitOf({ fitsNow: false, requiredBytes: 0 })).toStrictEqual({ fitsNow: false });
  });
});

describe("the box's show_model, mapped exactly", () => {
  it('its card: details, capabilities, the architecture and window as model_info, the license', () => {
    expect(
      boxShow({ ...model('a'), digest: 'sha256:abc', architecture: 'qwen3', licenseFirstLines: 'Apache 2.0' }, BOX),
    ).toStrictEqual({
      details,
      capabilities: ['completion', 'tools'],
      model_info: { 'general.architecture': 'qwen3', 'qwen3.context_length': 40_960 },
      license: 'Apache 2.0',
    });
  });

  it('without an architecture or license: "ollm", no license', () => {
    expect(boxShow({ ...model('a'), digest: 'd' }, BOX)).toStrictEqual({
      details,
      capabilities: ['completion', 'tools'],
      model_info: { 'general.architecture': 'ollm', 'ollm.context_length': 40_960 },
    });
  });

  it('refuses a card without a digest, naming show_model and the field', () => {
    const err = refused(() => boxShow(model('a'), BOX));
    expect(err.kind).toBe('bad_response');
    expect(err.host).toBe('gpubox:3333');
    expect(err.message).toBe(
      notTheAnswer('show_model', 'digest', 'Invalid input: expected string, received undefined'),
    );
  });
});

describe("the box's route_and_generate, mapped exactly", () => {
  const metrics = { totalMs: 900, loadMs: 100, timeToFirstTokenMs: 50, promptTokens: 120.4, outputTokens: 6.6 };

  it('an answer without metrics, model or doneReason: the text, stopped', () => {
    expect(boxAnswer({ text: 'hi' }, BOX)).toStrictEqual({ kind: 'answer', text: 'hi', done: { doneReason: 'stop' } });
  });

  it('its doneReason, its counts rounded; the times the box gave, none it did not', () => {
    expect(boxAnswer({ text: 'hi', doneReason: 'length', metrics }, BOX)).toStrictEqual({
      kind: 'answer',
      text: 'hi',
      done: { doneReason: 'length', promptTokens: 120, outputTokens: 7, loadMs: 100 },
    });
    expect(
      boxAnswer(
        { text: 'hi', metrics: { ...metrics, promptMs: 40, cachedPromptTokens: 63.7, generationMs: 233 } },
        BOX,
      ),
    ).toStrictEqual({
      kind: 'answer',
      text: 'hi',
      done: {
        doneReason: 'stop',
        promptTokens: 120,
        outputTokens: 7,
        loadMs: 100,
        generatingMs: 233,
        promptMs: 40,
        cachedPromptTokens: 64,
      },
    });
  });

  it('its reasoning and the models tried before; an empty reasoning or list is none', () => {
    const fallbacks = [{ model: 'big:70b', error: 'out of memory' }];
    expect(boxAnswer({ text: 'hi', model: 'qwen3:8b', thinking: 'hmm', fallbacks }, BOX)).toStrictEqual({
      kind: 'answer',
      text: 'hi',
      model: 'qwen3:8b',
      thinking: 'hmm',
      done: { doneReason: 'stop' },
      fallbacks,
    });
    expect(boxAnswer({ text: 'hi', thinking: '', fallbacks: [] }, BOX)).toStrictEqual({
      kind: 'answer',
      text: 'hi',
      done: { doneReason: 'stop' },
    });
  });

  it('a list of tried models past its bounds is left out, never refused', () => {
    const one = { model: 'm', error: 'e' };
    for (const fallbacks of [
      Array(65).fill(one),
      [{ model: 'm'.repeat(257), error: 'e' }],
      [{ model: 'm', error: 'e'.repeat(4097) }],
    ]) {
      expect(boxAnswer({ text: 'hi', fallbacks }, BOX)).toStrictEqual({
        kind: 'answer',
        text: 'hi',
        done: { doneReason: 'stop' },
      });
    }
    expect(boxAnswer({ text: 'hi', fallbacks: Array(64).fill(one) }, BOX)).toMatchObject({
      fallbacks: Array(64).fill(one),
    });
  });

  it('refuses reasoning past the bound, naming the field', () => {
    expect(boxAnswer({ text: 'hi', thinking: 'x'.repeat(MAX_TEXT) }, BOX)).toMatchObject({
      thinking: 'x'.repeat(MAX_TEXT),
    });
    const err = refused(() => boxAnswer({ text: 'hi', thinking: 'x'.repeat(MAX_TEXT + 1) }, BOX));
    expect(err.kind).toBe('bad_response');
    expect(err.message).toBe(
      notTheAnswer('route_and_generate', 'thinking', `Too big: expected string to have <=${MAX_TEXT} characters`),
    );
  });

  it('a job done or running is the job to follow', () => {
    for (const state of ['running', 'done']) {
      const job = { id: 'j1', state, partsDone: 2 };
      expect(boxAnswer({ text: '', job }, BOX)).toStrictEqual({ kind: 'job', job });
    }
  });

  it('a job failed, cancelled or lost fails, saying how and its progress', () => {
    const said = (state: string, progress?: string) =>
      refused(() =>
        boxAnswer(
          { text: '', job: { id: 'j2', state, partsDone: 0, ...(progress !== undefined && { progress }) } },
          BOX,
        ),
      );
    const failed = said('failed', 'qwen3:8b: 40 tokens generated');
    expect([failed.kind, failed.host, failed.message]).toEqual([
      'server_error',
      'gpubox:3333',
      `${BOX.who}: the job j2 it ran the call on failed (qwen3:8b: 40 tokens generated) — try again.`,
    ]);
    expect(said('cancelled', '').message).toBe(`${BOX.who}: the job j2 it ran the call on cancelled — try again.`);
    expect(said('lost').message).toBe(
      `${BOX.who}: the job j2 it ran the call on was lost (that server restarted) — try again.`,
    );
  });
});

describe("a box's refusal in words", () => {
  it('the text parts of its content, the first 16, one a line; nothing else', () => {
    expect(
      contentText([
        null,
        'text',
        5,
        { type: 'image', text: 'no' },
        { type: 'text', text: 7 },
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ]),
    ).toBe('a\nb');
    expect(
      contentText([...Array.from({ length: 16 }, () => ({ type: 'text', text: 'x' })), { type: 'text', text: 'y' }]),
    ).toBe(Array(16).fill('x').join('\n'));
    expect(contentText({ type: 'text', text: 'not a list' })).toBe('');
  });

  it('bounded at 2000 characters, the cut marked', () => {
    expect(contentText([{ type: 'text', text: 'x'.repeat(2000) }])).toBe('x'.repeat(2000));
    expect(contentText([{ type: 'text', text: 'x'.repeat(2001) }])).toBe(`${'x'.repeat(2000)}…`);
  });

  it('names the box, the tool, the model and its words; no words is no reason given', () => {
    const err = boxRefusal('route_and_generate', [{ type: 'text', text: 'every model failed' }], BOX, 'qwen3:8b');
    expect([err.kind, err.host, err.message]).toEqual([
      'server_error',
      'gpubox:3333',
      `${BOX.who} refused route_and_generate for "qwen3:8b": every model failed`,
    ]);
    expect(boxRefusal('show_model', undefined, BOX).message).toBe(`${BOX.who} refused show_model: no reason given`);
  });
});
