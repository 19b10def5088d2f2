// Writes schemas/settings.schema.json from the zod settings schema. `npm run schema`.
import { writeFileSync } from 'node:fs';
import { settingsJsonSchemaText } from '../src/orchestrator/config/json-schema.js';

writeFileSync(new URL('../schemas/settings.schema.json', import.meta.url), settingsJsonSchemaText());
process.stderr.write('wrote schemas/settings.schema.json\n');
