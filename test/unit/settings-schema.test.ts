import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingsJsonSchemaText } from '../../src/orchestrator/config/json-schema.js';

describe('schemas/settings.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing settings)', () => {
    const committed = readFileSync(new URL('../../schemas/settings.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(settingsJsonSchemaText());
  });

  it('documents every settings section with its defaults', () => {
    const schema = JSON.parse(settingsJsonSchemaText()) as {
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
    };
    expect(Object.keys(schema.properties).sort()).toEqual([
      'agents',
      'fallback',
      'hosts',
      'http',
      'inputs',
      'memory',
      'model',
      'ollama',
      'options',
      'progress',
      'provider',
      'ram',
      'savings',
      'shared',
      'templates',
      'toolsets',
    ]);
    expect(schema.properties.ram!.properties!.safetyMargin!.default).toBe(0.2);
    // the model's own num_predict, else 4096
    expect(schema.properties.options!.properties!.maxTokens!.default).toBeUndefined();
    expect(schema.properties.options!.properties!.temperature!.default).toBeUndefined();
    expect(schema.properties.http!.properties!.resumeGraceSeconds!.default).toBe(30);
    expect(schema.properties.shared!.properties!.idleSeconds!.default).toBe(120);
    expect(schema.properties.shared!.properties!.enabled!.default).toBe(true);
  });
});
