// Per-agent settings (issue 43, item 4): the schema of `agents:` (both sides), the agent's name as
// it enters from a client, the merge of an entry over the settings, and the parts a job gets.
import { describe, expect, it } from 'vitest';
import { settingsSchema, type Settings } from '../../src/orchestrator/config/schema.js';
import { agentName, settingsForAgent, UNKNOWN_AGENT } from '../../src/orchestrator/config/agents.js';
import { forAgent } from '../../src/orchestrator/route/agent-parts.js';
import { routingFrom } from '../../src/orchestrator/generation/routing-from.js';
import type { JobParts } from '../../src/orchestrator/route/parts.js';

const parse = (agents: unknown) => settingsSchema.safeParse({ agents });
const problem = (agents: unknown) => {
  const r = parse(agents);
  return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('agents: in settings', () => {
  it('takes an entry with every part an agent may set, and adds no defaults to it', () => {
    const entry = {
      model: {
        default: 'phi3:mini',
        routing: { defaultProfile: 'code', overrides: { code: 'qwen2.5-coder:7b' }, learning: false },
      },
      options: { temperature: 0.2, maxTokens: 512 },
      toolsets: ['offload', 'status'],
      system: 'Be brief.',
    };
    const r = parse({ 'Claude Code': entry, cursor: {} });
    expect(r.success).toBe(true);
    expect(r.data!.agents).toEqual({ 'Claude Code': entry, cursor: {} });
    expect(settingsSchema.parse({}).agents).toEqual({});
  });

  it.each([
    ['an unknown key in an entry', { a: { temperature: 0.2 } }, /a: Unrecognized key: "temperature"/],
    ['an unknown key in its options', { a: { options: { temp: 0.2 } } }, /a\.options: Unrecognized key/],
    ['a temperature out of range', { a: { options: { temperature: 3 } } }, /a\.options\.temperature: Too big/],
    ['an unknown toolset', { a: { toolsets: ['memroy'] } }, /a\.toolsets\.0: Invalid option/],
    [
      'no toolset, naming each one it may choose',
      { a: { toolsets: [] } },
      /^agents\.a\.toolsets: name at least one toolset: all, offload, models, memory, templates, status$/,
    ],
    [
      'an unknown profile',
      { a: { model: { routing: { defaultProfile: 'poetry' } } } },
      /defaultProfile: Invalid option/,
    ],
    ['an empty system prompt', { a: { system: '' } }, /a\.system: Too small/],
    [
      'a name longer than 64 characters',
      { ['x'.repeat(65)]: {} },
      /x{65}: an agent's name is .*1 to 64 printable ASCII/,
    ],
    ['a name with a control character', { 'a\nb': {} }, /a\nb: an agent's name/],
    ['an empty name', { '': {} }, /agents.: an agent's name/],
  ])('refuses %s', (_what, agents, why) => {
    expect(problem(agents)).toMatch(why);
  });
});

describe('agentName', () => {
  it('keeps a printable name as it is, trimmed', () => {
    expect(agentName('claude-code')).toBe('claude-code');
    expect(agentName('  Claude Desktop ')).toBe('Claude Desktop');
  });

  it('drops what is not printable ASCII and cuts at 64 characters', () => {
    expect(agentName('a\u0000b\nc\u001b[31m')).toBe('abc[31m');
    expect(agentName('Zed ✓')).toBe('Zed');
    expect(agentName('n'.repeat(200))).toBe('n'.repeat(64));
  });

  it('keeps every printable character, "~" the last of them, and cuts before trimming the end', () => {
    expect(agentName('a~b c!')).toBe('a~b c!');
    expect(agentName(`${' '.repeat(10)}${'a'.repeat(64)}`)).toBe('a'.repeat(64));
    expect(agentName(`${'a'.repeat(63)} b`)).toBe('a'.repeat(63));
  });

  it('reads no further than 256 characters of what a client sent', () => {
    expect(agentName(`${'\u0000'.repeat(300)}late`)).toBe(UNKNOWN_AGENT);
  });

  it('names a client that gave nothing usable "unknown"', () => {
    for (const raw of [undefined, null, 42, {}, '', '   ', '\u0000\u0001', '✓✓'])
      expect(agentName(raw)).toBe(UNKNOWN_AGENT);
  });
});

const settings = (agents: unknown): Settings =>
  settingsSchema.parse({
    model: { default: 'llama3.2', routing: { overrides: { code: 'qwen2.5-coder:7b' } } },
    options: { temperature: 0.7 },
    toolsets: ['all'],
    agents,
  });

describe('settingsForAgent', () => {
  const s = settings({
    tuned: {
      model: { default: 'phi3:mini', routing: { overrides: { general: 'mixtral:8x7b' }, allowCloud: true } },
      options: { temperature: 0.1 },
      toolsets: ['offload'],
    },
  });

  it("lays the agent's entry over the settings: its values win, the rest stay", () => {
    const t = settingsForAgent(s, 'tuned');
    expect(t.model.default).toBe('phi3:mini');
    expect(t.model.routing).toMatchObject({
      overrides: { code: 'qwen2.5-coder:7b', general: 'mixtral:8x7b' },
      allowCloud: true,
      enabled: true,
      defaultProfile: 'general',
    });
    expect(t.options).toEqual({ ...s.options, temperature: 0.1 });
    expect(t.toolsets).toEqual(['offload']);
    expect(t.ollama).toBe(s.ollama);
    // the settings every client gets are untouched
    expect(s.options.temperature).toBe(0.7);
    expect(s.model.routing.overrides).toEqual({ code: 'qwen2.5-coder:7b' });
  });

  it('changes only what an entry sets: one with options alone keeps the model and routing as they are', () => {
    const t = settingsForAgent(settings({ light: { options: { temperature: 0.3 } } }), 'light');
    expect(t.options.temperature).toBe(0.3);
    expect(t.model.default).toBe('llama3.2');
    expect(t.model.routing.overrides).toEqual({ code: 'qwen2.5-coder:7b' });
    expect(t.toolsets).toEqual(['all']);
  });

  it('finds no entry for no agent, even one named "undefined"', () => {
    const odd = settings({ undefined: { options: { temperature: 0.3 } } });
    expect(settingsForAgent(odd, undefined)).toBe(odd);
    expect(settingsForAgent(odd, 'undefined').options.temperature).toBe(0.3);
  });

  it('gives an agent without an entry, or no agent, the settings themselves', () => {
    expect(settingsForAgent(s, 'other')).toBe(s);
    expect(settingsForAgent(s, undefined)).toBe(s);
    // an inherited property is not an entry
    expect(settingsForAgent(s, 'constructor')).toBe(s);
  });
});

describe('forAgent', () => {
  const book = {};
  const parts = (st: Settings): JobParts => ({
    fleet: {} as JobParts['fleet'],
    records: {
      preferences: { byProfile: () => ({ fast: 'phi3:mini' }) },
      outcomes: { evidence: () => book },
      madeFor: { all: () => [] },
    } as unknown as JobParts['records'],
    settings: st,
    home: '/tmp/nowhere',
    routing: () => routingFrom(st.model, {}, book),
  });

  it("gives the agent's calls its settings, its router and its system prompt", () => {
    const shared = parts(settings({ tuned: { model: { default: 'phi3:mini' }, system: 'Be brief.' } }));
    const p = forAgent(shared, 'tuned');
    expect(p.settings.model.default).toBe('phi3:mini');
    expect(p.agentSystem).toBe('Be brief.');
    expect(p.routing()).toMatchObject({
      defaultModel: 'phi3:mini',
      preferred: { fast: 'phi3:mini' },
      overrides: { code: 'qwen2.5-coder:7b' },
    });
    expect(shared.routing().defaultModel).toBe('llama3.2');
    // applied twice (offload, then its route), it is the same
    expect(forAgent(p, 'tuned').settings).toEqual(p.settings);
  });

  it('leaves the parts as they are for an agent without an entry', () => {
    const shared = parts(settings({ tuned: { system: 'Be brief.' } }));
    expect(forAgent(shared, 'plain')).toBe(shared);
    expect(forAgent(shared, undefined)).toBe(shared);
  });
});

describe('routingFrom', () => {
  it('turns routing off to no overrides, and learning off to no book', () => {
    const s = settingsSchema.parse({
      model: { routing: { enabled: false, learning: false, overrides: { code: 'x' } } },
    });
    const r = routingFrom(s.model, {}, {});
    expect(r.overrides).toEqual({});
    expect(r.learning).toBeUndefined();
    expect(r.defaultModel).toBeUndefined();
  });
});
