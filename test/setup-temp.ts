// Runs in every test file: the temporary folders the file made (test/helpers/temp.ts) are removed
// once its last hook has run (after-hooks run in reverse order, so this one comes after the file's
// own, which stop the servers using those folders).
import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/temp.js';

afterAll(removeTempDirs);
