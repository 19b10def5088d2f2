/**
 * The `inputs` settings: where tools may read files, images and diffs given by path, and how much one call
 * may read.
 */
import * as z from 'zod';

export const inputsSchema = z
  .strictObject({
    roots: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Folders besides the project folder (and the client's MCP roots) from which tools may read " +
          'files, images and diffs given by path. "~" is the home folder.',
      ),
    allow: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Glob patterns of files that are read even though they look like secrets (.env*, private ' +
          'keys, credential files, .git/ internals are refused by default), e.g. [".env.example"].',
      ),
    maxFileBytes: z
      .number()
      .int()
      .min(1024)
      .max(1e9)
      .default(2_000_000)
      .describe('The largest text file read by path (bytes).'),
    maxImageBytes: z
      .number()
      .int()
      .min(1024)
      .max(1e9)
      .default(20_000_000)
      .describe('The largest image read by path (bytes).'),
    maxTotalBytes: z
      .number()
      .int()
      .min(1024)
      .max(1e10)
      .default(8_000_000)
      .describe('The most bytes one call may read from files, images and diffs together.'),
    maxFiles: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(500)
      .describe('The most files one call may read (a glob matching more is refused).'),
    maxParts: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(256)
      .describe(
        'An input longer than the window it can run in is split into parts; more parts than this is ' +
          'refused (a dry run says how many it would take).',
      ),
  })
  .prefault({});
