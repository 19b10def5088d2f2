// Prints every tool's JSON Schemas (as tools/list publishes them) as JSON on stdout, for the build
// to embed, so the server converts none at start-up. Run by scripts/build.mjs through esbuild.
import { TOOLS } from '../src/tools/index.js';

/** The target the MCP SDK asks zod for (its JSON_SCHEMA_CONVERSION_TARGET). */
const TARGET = 'draft-2020-12';
process.stdout.write(JSON.stringify(Object.fromEntries(TOOLS.map((t) => [t.toolName, t.jsonSchemas(TARGET)]))));
