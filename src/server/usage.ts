/**
 * The help text of `ollm-mcp --help`: the commands, the settings flags and the HTTP options that
 * args.ts parses, and the env vars the settings read.
 */
export const USAGE = `Usage: ollm-mcp [command] [options]

Commands:
  serve                   Serve MCP over stdio (the default), or HTTP with --transport http.
  daemon                  Run the shared server on its own, for every stdio launch of this
                          build and settings, until shared.idleSeconds after its last client
                          leaves (or, once a newer build or other settings took over, its last
                          client leaves).
  doctor                  Check Ollama, models, RAM and settings; print what to fix.
                          Exits 0 only when all is well. --json prints the report as JSON.
  shared [list]           The shared servers of this user: pid, build, what each serves, since
                          when, its clients, whether it retires (--json: as JSON).
  shared stop [PID|all]   Stop shared servers: without an argument those of this $OLLM_HOME that
                          new launches no longer join (an older build's, other settings'); "all"
                          every one; PID that one. Exits 1 if one did not stop.
  memory list             Show everything remembered (newest first).
  memory add KEY VALUE    Remember a fact (--category fact|preference|context).
  memory forget KEY       Remove one entry.
  memory clear            Remove every entry (a JSON copy is kept in $OLLM_HOME first).
  memory export [FILE]    Write every entry as JSON to FILE, or to the output ("-" too).
  memory import FILE      Add the entries of an exported file ("-": the input); newer wins.
  learning show           What routing learned: each model's track record by kind of work.
  learning reset          Forget it all: verdicts, failures, speed (routing starts from the table)
                          and the memory learned from loads (loading plans by the estimate).
                          \`learning reset routing\` or \`learning reset sizes\` forgets only one.
  template list           Show the prompt templates, built-in and your own.
  template show NAME      Show one template and its variables.
  project [detect]        Show the project profile for this folder (or --project DIR).
  project init            Write .ollm/project.yaml for this folder, to edit.
  state backup FILE       Copy the state database (memory, metrics, preferences) to FILE, safely
                          while a server runs; --force replaces an existing FILE; "-": the output.

Settings (each overrides env vars and the settings file):
  --config FILE          Settings file (default $OLLM_HOME/config.yaml, OLLM_HOME default ~/.ollm)
  --ollama-host URL      Where Ollama listens (any OLLAMA_HOST form: 0.0.0.0, host:port, http://host:port)
  --model NAME           Default model
  --temperature N        Default temperature (0-2)
  --max-tokens N         Default output token limit
  --context-size N       num_ctx for requests
  --ram-budget SIZE      RAM for loaded models: "12GB" or "80%"
  --toolsets SETS        The tools offered, by set (comma-separated): all (the default), offload,
                         models, memory, templates, status
  --set KEY=VALUE        Any setting by its key, e.g. --set ram.safetyMargin=0.25 (repeatable)
  --project DIR          The project folder whose profile applies (default: the working directory)
  --no-shared            Serve on its own, not through the one shared server of this user
                         (also OLLM_SHARED=0 or shared.enabled: false)

HTTP (serve --transport http):
  --transport stdio|http Streamable HTTP at /mcp, and legacy SSE at /sse + /messages
  --host ADDR            Bind address (default 127.0.0.1); beyond loopback a token is required
  --port N               Port (default 3333; 0 picks a free one)
  --token TOKEN          Bearer token clients must send, 16 characters or more (default: OLLM_HTTP_TOKEN)

  -h, --help             Show this help
  -v, --version          Show the version

Env vars: OLLM_HOST (or OLLAMA_HOST), OLLM_MODEL, OLLM_PROVIDER, OLLM_TEMPERATURE,
OLLM_MAX_TOKENS, OLLM_CONTEXT_SIZE, OLLM_RAM_BUDGET, OLLM_SHARED, OLLM_HOME, OLLM_PROJECT, OLLM_HTTP_TOKEN,
OLLM_LOG_LEVEL.

More hosts (other Ollama machines, OpenAI-compatible engines such as vLLM or llama-server) are
listed under hosts: in the settings file; the memory of a remote Ollama under ollama.capacity or
each host's capacity. ollm://fleet shows them all; \`ollm-mcp doctor\` checks each.`;
