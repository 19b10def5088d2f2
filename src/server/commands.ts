/**
 * The user's own commands (seed 003's slash commands): `memory`, `template` and `project`.
 * They print to stdout — they are not the MCP server and never run while it serves (like
 * `doctor` and `--help` in cli.ts) — and return the exit code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Orchestrator } from '../orchestrator/index.js';
import { MEMORY_CATEGORIES, type MemoryCategory, type MemoryEntry } from '../orchestrator/memory/memory-search.js';
import { MemoryError } from '../orchestrator/memory/memory-db.js';
import { evidenceText, parseEvidenceKey } from '../orchestrator/generation/learning-evidence.js';
import { diskProblem } from '../orchestrator/util/disk-errors.js';
import { readRegularFile } from '../orchestrator/util/safe-read.js';
import { PROJECT_FILE, projectFileText } from '../orchestrator/project/project.js';
import { TemplateError, variablesOf } from '../orchestrator/templates/index.js';
import { checkTemplatePrompts } from '../prompts/templates.js';
import type { CliArgs } from './args.js';
import { ownCheckoutNote } from './own-checkout.js';

// The answer of a shell command, for the user's terminal: no MCP stream exists in these commands.
export const print = (text: string) => process.stdout.write(`${text}\n`);
export const fail = (text: string) => {
  process.stderr.write(`ollm-mcp: ${text}\n`);
  return 1;
};

/** A memory export larger than this is not read. */
const IMPORT_MAX_BYTES = 64 * 2 ** 20;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function entryLine(e: MemoryEntry): string {
  return (
    `  ${e.key} — ${e.value}\n      ${e.category}, from ${e.source}, updated ` +
    `${e.updatedAt.slice(0, 10)}, used ${e.accessCount}×`
  );
}

export async function memoryCommand(orch: Orchestrator, args: CliArgs): Promise<number> {
  const store = orch.memoryStore;
  try {
    switch (args.action) {
      case 'list': {
        const entries = await store.list();
        if (args.json) print(JSON.stringify({ file: store.path, entries }, null, 2));
        else if (entries.length === 0) print(`Nothing is remembered yet (${store.path}).`);
        else
          print(
            `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} in ` +
              `${store.path}:\n${entries.map(entryLine).join('\n')}`,
          );
        break;
      }
      case 'add': {
        const [key, value] = args.params as [string, string];
        if (args.category !== undefined && !MEMORY_CATEGORIES.includes(args.category as MemoryCategory)) {
          return fail(`--category must be one of ${MEMORY_CATEGORIES.join(', ')}; got "${args.category}".`);
        }
        const { entry, action } = await store.remember(key, value, {
          source: 'user',
          ...(args.category && { category: args.category as MemoryCategory }),
        });
        print(
          args.json
            ? JSON.stringify({ action, entry }, null, 2)
            : `${action === 'created' ? 'Remembered' : 'Updated'} "${entry.key}" (${entry.category}).`,
        );
        break;
      }
      case 'forget': {
        const removed = await store.forget(args.params[0]!);
        if (!removed)
          return fail(`Nothing is remembered under "${args.params[0]}" — \`ollm-mcp memory list\` shows the keys.`);
        print(`Forgot "${removed.key}".`);
        break;
      }
      case 'clear': {
        const { removed, backup } = await store.clear();
        print(
          removed ? `Forgot all ${removed} entries; a copy is kept at ${backup}.` : 'The memory was already empty.',
        );
        break;
      }
      case 'export': {
        const text = await store.exportAll();
        const to = args.params[0];
        if (to === undefined || to === '-') process.stdout.write(text);
        else {
          try {
            await writeFile(to, text);
          } catch (e) {
            return fail(diskProblem(e, to) ?? `Cannot write ${to}: ${(e as Error).message}.`);
          }
          print(`Wrote ${await store.count()} entries to ${to}.`);
        }
        break;
      }
      case 'import': {
        const from = args.params[0]!;
        let raw: unknown;
        try {
          raw = JSON.parse(
            from === '-'
              ? await readStdin()
              : (await readRegularFile(from, { maxBytes: IMPORT_MAX_BYTES })).data.toString('utf8'),
          );
        } catch (e) {
          return fail(
            `Cannot read ${from === '-' ? 'the input' : from} as JSON: ${(e as Error).message}. Give a ` +
              `file written by \`ollm-mcp memory export\`.`,
          );
        }
        const r = await store.importAll(raw);
        print(
          `Imported: ${r.added} added, ${r.updated} updated, ${r.unchanged} already up to ` +
            `date${r.rejected ? `, ${r.rejected} not valid (left out)` : ''}${r.tooLong ? `, ${r.tooLong} longer than memory.maxValueChars (${orch.config.settings.memory.maxValueChars} characters; left out — raise it in settings to import them)` : ''}.`,
        );
        break;
      }
    }
    const notice = store.takeNotice();
    if (notice) process.stderr.write(`${notice}\n`);
    await store.flush();
    return 0;
  } catch (err) {
    if (err instanceof MemoryError) return fail(err.message);
    throw err;
  }
}

/**
 * `learning show` / `learning reset [routing|sizes]`: the track records routing learns from, and the memory
 * loads took.
 */
export async function learningCommand(orch: Orchestrator, args: CliArgs): Promise<number> {
  if (args.action === 'reset') {
    const what = args.params[0];
    if (what !== undefined && what !== 'routing' && what !== 'sizes')
      return fail(
        `Unknown "learning reset ${what}" — \`learning reset\` forgets everything; \`learning reset ` +
          `routing\` only what routing learned, \`learning reset sizes\` only the memory learned from loads.`,
      );
    if (what !== 'sizes') {
      await orch.outcomes.reset();
      print(
        'Forgot every verdict, failure, timeout and speed routing had learned; it starts again from the model table.',
      );
    }
    if (what !== 'routing') {
      const n = await orch.seenSizes.reset();
      print(
        `Forgot the memory learned from loads (${n} figure${n === 1 ? '' : 's'}); loading plans by ` +
          `the estimate (weights + margin + KV cache) until loads teach it again.`,
      );
    }
    return 0;
  }
  const book = await orch.outcomes.load();
  const rows = Object.entries(book).map(([key, e]) => ({
    ...parseEvidenceKey(key),
    text: evidenceText(e, parseEvidenceKey(key).work),
  }));
  if (args.json)
    print(JSON.stringify({ learning: orch.config.settings.model.routing.learning, evidence: book }, null, 2));
  else if (rows.length === 0) print('Nothing learned yet: give verdicts on answers with the rate_answer tool.');
  else {
    print(
      `What routing ` +
        `learned${orch.config.settings.model.routing.learning ? '' : ' (learning is off: model.routing.learning)'}:`,
    );
    for (const r of rows) print(`  ${r.model}${r.host ? ` on ${r.host}` : ''}, ${r.work}: ${r.text}`);
  }
  return 0;
}

export async function templateCommand(orch: Orchestrator, args: CliArgs): Promise<number> {
  try {
    if (args.action === 'list') {
      await checkTemplatePrompts(orch.templates); // a template a server could not offer is listed with the broken files
      const { templates, problems } = orch.templates.current();
      if (args.json) print(JSON.stringify({ dir: orch.templates.dir, templates, problems }, null, 2));
      else {
        const width = Math.max(...templates.map((t) => t.name.length));
        print(`Templates (yours in ${orch.templates.dir}):`);
        for (const t of templates)
          print(
            `  ${t.name.padEnd(width)}  ` +
              `${t.description}${t.source === 'user' ? ` [yours${t.overrides ? ', overrides the built-in' : ''}]` : ''}`,
          );
        for (const p of problems) print(`  ! ${p.file}: ${p.message}`);
      }
      return problems.length ? 1 : 0;
    }
    const name = args.params[0]!;
    const { template, problems: own } = await orch.templates.lookup(name);
    if (!template) {
      return fail(
        `There is no template "${name}".${own.map((p) => ` ${p.file}: ${p.message}.`).join('')} ` +
          `\`ollm-mcp template list\` shows them.`,
      );
    }
    const variables = variablesOf(template);
    if (args.json) print(JSON.stringify({ ...template, variables }, null, 2));
    else {
      print(
        `${template.name} — ` +
          `${template.description}${template.file ? ` (${join(orch.templates.dir, template.file)})` : ' (built-in)'}\n`,
      );
      print(template.template);
      print('\nVariables:');
      for (const v of variables)
        print(
          `  ${v.name}${v.required ? ' (required)' : v.default !== undefined ? ` = "${v.default}"` : ' (optional)'}${v.description ? ` — ${v.description}` : ''}`,
        );
    }
    return 0;
  } catch (err) {
    if (err instanceof TemplateError) return fail(err.message);
    throw err;
  }
}

export async function projectCommand(orch: Orchestrator, args: CliArgs): Promise<number> {
  const project = orch.project;
  const where = resolve(args.project ?? process.env.OLLM_PROJECT?.trim() ?? process.cwd());
  if (!project) {
    return fail(
      `No project type recognised in ${where} (looked for Cargo.toml, go.mod, package.json, ` +
        `tsconfig.json, pyproject.toml, mkdocs.yml, mostly-Markdown folders, and ` +
        `.ollm/project.yaml).`,
    );
  }
  if (args.action === 'init') {
    const file = join(project.root, PROJECT_FILE);
    if (project.file) return fail(`${project.file} already exists; edit it.`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, projectFileText(project), { flag: 'wx' });
    print(
      `Wrote ${file} (${project.description}); edit it to choose a model, a system prompt, a ` +
        `routing profile or the tools offered.`,
    );
    return 0;
  }
  if (args.json) {
    print(JSON.stringify(project, null, 2));
    return 0;
  }
  const routing = orch.config.settings.model.routing.defaultProfile;
  print(`Project ${project.root}: ${project.description}${project.marker ? ` (detected from ${project.marker})` : ''}`);
  print(`  profile file: ${project.file ?? 'none — `ollm-mcp project init` writes one'}`);
  print(`  model: ${orch.config.settings.model.default ?? 'chosen per task by the router'}`);
  print(`  routing default profile: ${routing}`);
  print(
    `  tools: ` +
      `${project.tools.enabled ? `only ${project.tools.enabled.join(', ')}` : 'all'}${project.tools.disabled.length ? `, except ${project.tools.disabled.join(', ')}` : ''}`,
  );
  print(`  system prompt: ${project.systemPrompt ?? 'none'}`);
  const own = ownCheckoutNote(project.root, `node ${join(project.root, 'dist', 'cli.js')}`);
  if (own) print(`  note: ${own}`);
  return 0;
}
