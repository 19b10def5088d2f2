// Prints the catalog — every tool and resource as the server lists them (src/server/catalog.ts) —
// as JSON on stdout, for the build to embed, so a starting server lists them without loading the
// tools' code. Run by scripts/build.mjs through esbuild.
import { recordCatalog } from '../src/server/core.js';

process.stdout.write(JSON.stringify(recordCatalog()));
