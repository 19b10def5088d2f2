/** The settings schema as JSON Schema (2020-12), for editors and for schemas/settings.schema.json. */
import * as z from 'zod';
import { settingsSchema } from './schema.js';

function settingsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(settingsSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }),
    title: 'ollm-mcp settings',
  };
}

export function settingsJsonSchemaText(): string {
  return `${JSON.stringify(settingsJsonSchema(), null, 2)}\n`;
}
