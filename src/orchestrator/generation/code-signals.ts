/**
 * Does a prompt contain code, name a programming language or ask for code? Pure regex tables for
 * classify.ts, covering Python, Go, JavaScript/TypeScript, Rust, Java, C/C++, C#, Ruby, PHP, Kotlin,
 * Swift, SQL, shell and HTML/CSS, fenced or not. The words that talk about programming are
 * code-terms.ts.
 */

/** Syntax no prose has: one of these is enough to call a line code. */
const STRONG_SYNTAX: readonly RegExp[] = [
  /^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->\s*[^:]+)?:/m, // Python def
  /^\s*def\s+[\w?!]+(?:\(.*\))?\s*$/m, // Ruby def
  /^\s*class\s+\w+\s*(?:\([^)]*\))?\s*:\s*$/m, // Python class
  /^\s*(?:from\s+[\w.]+\s+import\s+[\w*]|import\s+[\w.]+(?:\s+as\s+\w+)?\s*;?\s*$|import\s+.+\s+from\s+['"]|import\s+['"])/m,
  /\bfunction\s*\*?\s*\w*\s*\([^)]*\)\s*\{/, // JavaScript function
  /\b(?:const|var)\s+[\w$]+\s*(?::\s*[\w<>[\]|, ]+)?=[^=]/, // JavaScript/TypeScript declaration
  /\blet\s+(?:mut\s+)?\w+\s*(?::\s*[\w<>[\]&' ]+)?=[^=\n]*;/, // a let statement (JavaScript, Rust, Swift)
  // Rust
  /\blet\s+mut\b|\bimpl(?:<[^>]*>)?\s+\w+(?:<[^>]*>)?\s+(?:for\s+\w+\s*)?\{|\bfn\s+\w+\s*[<(]|\bprintln!\(|\bvec!\[/,
  /\bfunc\s+(?:\([^)]*\)\s*)?\w+\s*\(|\bpackage\s+main\b|\bif\s+err\s*!=\s*nil\b|\w\s*:=\s*\S/, // Go
  /\bfun\s+\w+\s*\(|\b(?:val|var)\s+\w+\s*:\s*[A-Z]\w*/, // Kotlin, Swift
  // Java, C#
  /\b(?:public|private|protected|internal)\s+(?:static\s+|final\s+|async\s+|override\s+|readonly\s+|abstract\s+)*(?:class|interface|enum|record|struct|void|int|bool|boolean|string|String|[A-Z]\w*(?:<[^>]*>)?(?:\[\])?)\s+\w+/,
  /#include\s*[<"]|\bstd::\w|\bint\s+main\s*\(|\bprintf\s*\(|\bmalloc\s*\(|\bcout\s*<</, // C, C++
  /\bConsole\.Write(?:Line)?\(|\bSystem\.out\.print|\busing\s+System\b|\bconsole\.(?:log|error|warn)\(|\bfmt\.\w+\(/,
  /<\?php|\$[A-Za-z_]\w*\s*(?:=[^=]|->)|\becho\s+\$\w/, // PHP, shell variables
  /\b(?:SELECT\s+(?:\*|DISTINCT\b|[\w.()*]+(?:\s+AS\s+\w+)?(?:\s*,\s*[\w.()*]+(?:\s+AS\s+\w+)?)*)\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|VIEW|PROCEDURE|FUNCTION)|ALTER\s+TABLE|DROP\s+TABLE)\b/,
  /\bselect\s+(?:\*|[\w.]+(?:\s*,\s*[\w.]+)+)\s+from\s+\w+/i,
  // shell
  /;\s*(?:do|then)\b|^\s*(?:fi|done|esac)\s*$|"\$\{?\w+\}?"|^\s*\$\s+\w|^#!\/|\|\s*(?:grep|awk|sed|sort|uniq|wc|xargs|head|tail|jq)\b/m,
  // HTML, JSX
  /<\/?(?:div|span|p|a|ul|ol|li|button|input|form|script|style|html|body|head|img|table|tr|td|section|nav|header|footer|template|svg)\b[^<>]*>|<[A-Z]\w*(?:\s[^<>]*)?\/>/,
  /\[\s*\w+(?:\s*[-+*/%]\s*\w+)?\s+for\s+\w+\s+in\s+\w+/, // a list comprehension
  /\blambda\s+\w*(?:\s*,\s*\w+)*\s*:/,
  /\bnew\s+[A-Z]\w*(?:<[^>]*>)?\s*\(/,
  /\b(?:List|Map|Vec|Option|Result|HashMap|Dictionary|Promise|Array|Set)<[\w\s,<>[\]]+>/,
  /^(?:\+\+\+|---)\s+[ab]\/|^@@\s+-\d+(?:,\d+)?\s+\+\d+/m, // a diff
  // Python blocks
  /^\s*(?:for\s+\w+(?:\s*,\s*\w+)?\s+in\s+.+|while\s+.+|if\s+.+|elif\s+.+|else|try|except(?:\s+\w+)?(?:\s+as\s+\w+)?)\s*:\s*$/m,
  /\.each\s*(?:do\s*)?\{?\s*\|\w+\|/, // a Ruby block
  /\b\w+\s*\([^()]*\)\s*\{|\)\s*=>\s*[{(\w]/, // a call or declaration opening a block, an arrow function
  /^\s*@[A-Za-z]\w*(?:\.\w+)*\(/m, // a decorator or annotation with arguments
  // Python print and one-line blocks, TypeScript types
  /\bprint\s*\(|\btype\s+[A-Z]\w*(?:<[^>]*>)?\s*=\s*[{\w(]|^\s*(?:if|for|while|elif|def|class|with)\b[^:\n]*:\s*\w+\s*\(/m,
  // a shell command line
  /^\s*(?:sudo\s+)?(?:cp|mv|rm|ls|cd|mkdir|chmod|chown|cat|grep|find|tar|ssh|scp|curl|wget|apt(?:-get)?|brew|npm|npx|yarn|pnpm|pip3?|git|docker|kubectl|python3?|node|java|javac|gcc|g\+\+|clang|make|cargo|rustc|go|dotnet|mvn|gradle)\s+[-\w./~$"'*]/m,
];

/** Hints of code that prose may also contain: two of them make a prompt code. */
const WEAK_SYNTAX: readonly RegExp[] = [
  /[\w)\]'"]\s*;\s*(?:\/\/.*)?$/m,
  /\{\s*$|^\s*\}/m,
  /[=!]==?|&&|\|\||\+\+|\+=|-=|::|->/,
  /(?:^|\s)--?[a-z][\w-]*\s[^\n]*\s--?[a-z][\w-]*(?=\s|$)/m, // command-line flags
  /\b(?:requirements\.txt|package\.json|Cargo\.toml|go\.mod|pom\.xml|Gemfile|Makefile|Dockerfile|tsconfig\.json|\.env|\.gitignore)\b/,
  /\b[a-z_]\w*\.[a-z_]\w*\s*\(/i,
  /\b\w+\(\)/,
  /`[^`\n]+`/,
  /\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z][a-z]+\w*\b/,
  /\b(?:return|null|undefined|nil|NaN|true|false|self|this)\b/,
  /\b(?:let|var|val)\s+\w+\s*=/,
  /\.\w+\s*\{|\w\??:\s*(?:string|number|boolean|int|float|bool|str)\b/,
  /\w\[['"]?\w+['"]?\]/,
  /(?:^|\s)(?:\/\/|#)\s*\w/m,
  /\b\w+\.(?:py|js|ts|tsx|jsx|go|rs|java|kt|swift|rb|php|cs|cpp|c|h|sh|sql|json|ya?ml|toml)\b/,
];

export const CODE_FENCE = /^\s*```/m;

/** 2 for each strong hit and 1 for each weak one: 2 or more is code. */
function syntaxScore(text: string): number {
  return STRONG_SYNTAX.filter((re) => re.test(text)).length * 2 + WEAK_SYNTAX.filter((re) => re.test(text)).length;
}

export function containsCode(text: string): boolean {
  return CODE_FENCE.test(text) || syntaxScore(text) >= 2;
}

/** Command-line tools and libraries whose names are not everyday words ("an awk one-liner", "a jq filter"). */
const TOOL_NAME = String.raw`(?:awk|gawk|jq|yq|grep|egrep|ripgrep|xargs|rsync|systemctl|systemd|journalctl|tmux|vim|neovim|nvim|emacs|ffmpeg|imagemagick|pandoc|openssl|certbot|gdb|lldb|valgrind|strace|bazel|podman|minikube|kubeadm|kustomize|pyenv|pipenv|sqlalchemy|pydantic|mypy|eslint|nestjs|nuxt|sveltekit|axios|lodash|rxjs|opencv|pyspark|bigquery|dynamodb|beautifulsoup|bs4|scrapy|dask|xgboost|lightgbm|langchain|psql|mysqldump|pg_dump|t-sql|pl\/sql|plsql|github|gitlab|bitbucket|intellij|pycharm|homebrew|apt-get|chmod|chown|sudo|ssh|scp|ssh-keygen|iptables|htaccess|wsl|esbuild|scss|webassembly|wasm|llvm|cmd\.exe|selenium webdriver|playwright tests?|cypress tests?|sed(?= (?:command|one[- ]?liner|script|expression|-[a-z]|'|"|s\/))|(?:with|using|in|via) sed|(?:in|with|using|via|into|from) (?:pandas|polars)|pandas (?:dataframe|series|merge|join|pivot|apply|groupby))`;

/** Languages, tools and frameworks whose names are not everyday words. */
const TECH_NAME = String.raw`(?:(?<!(?:pet|ball|burmese|reticulated|royal|carpet|tree|baby|rock)\s)python(?!\s+snakes?)|javascript|typescript|golang|kotlin|php|sql|mysql|postgres(?:ql)?|sqlite|mongodb|redis|zsh|powershell|haskell|scala|perl|lua|clojure|fortran|cobol|matlab|c\+\+|c#|objective-c|node\.?js|deno|django|fastapi|laravel|next\.?js|jquery|numpy|pytorch|tensorflow|css|html|regexp?|json|yaml|graphql|dockerfile|docker|kubernetes|k8s|kubectl|ansible|nginx|git|github actions|gitlab ci|webpack|vite|npm|npx|pnpm|pip|gradle|cmake|makefile|pytest|vitest|junit|rspec|js|vue|cron(?:tab)?|cron (?:job|expression)|(?<!(?:birthday|big|office|holiday|christmas|surprise)\s)bash(?!\s+(?:party|at))|virtualenv|matplotlib|seaborn|plotly|scikit-learn|sklearn|scipy|keras|hugging ?face|jupyter|cuda|helm|ingress|argocd|prometheus|grafana|cloudformation|aws lambda|s3 bucket|ec2|linux|ubuntu|debian|centos|unix|macos terminal|excel formula|vba|vlookup|xlookup|google sheets formula|useeffect|usestate|async\/await|flexbox|${TOOL_NAME})`;
/** Names that are also words (Go, Rust, Swift…): only capitalised, and only where a language is meant. */
const CAPS_NAME = String.raw`(?:Go|Rust|Ruby|Java|Swift|Dart|Julia|R|C|Zig|Nim|Elm|OCaml|Erlang|Elixir|Node|React|Vue|Angular|Svelte|Flask|Rails|Spring Boot|Express|Cargo|Bash|Shell|Jest|Maven|Terraform|Tailwind)(?![\w+#&-])(?!\s+(?:major|minor|sharp|flat)\b)(?!,?\s+(?:[Ii]ndonesia|[Ii]sland|[Ss]ea|[Cc]offee|[Bb]eans)\b)`;

const LANGUAGE: readonly RegExp[] = [
  new RegExp(String.raw`\b${TECH_NAME}(?![\w+#])`, 'i'),
  new RegExp(
    String.raw`\b(?:[Ii]n|[Uu]sing|[Ii]nto|to|[Ww]rite|[Ww]riting|written in|[Ll]earn|[Ll]earning|idiomatic|modern|plain|vanilla)\s+${CAPS_NAME}`,
  ),
  new RegExp(
    String.raw`\b${CAPS_NAME}(?:'s)?\s+(?:code|program|function|script|snippet|project|app|library|crate|gem|module|package|struct|class|method|closure|trait|macro|compiler|runtime|version|backend|server|component|hook|router|route|template|build|test|suite|workflow|config|application|service|api|codebase|state|stream|collection|generic|thread|object|array|string|list|map|type|interface|class|enum|trait|macro|lifetime|ownership|borrowing|coroutine|channel|goroutine|promise|decorator|generator|annotation|bean|servlet|jar|gem|crate|module|package|import|exception|struct|pointer|slice|vector|iterator|closure|lambda|record|syntax|keyword|operator|props|query|loop|array|list|map|type|compiler|interpreter|borrow checker|error|warning|panic|runtime|installation|install|dependency|container|image|cluster|deployment|migration|model|view|controller)s?\b`,
  ),
  new RegExp(String.raw`^\s*${CAPS_NAME}\s*:`, 'm'),
  new RegExp(String.raw`\b${CAPS_NAME}\s+[A-Z][a-z]+[A-Z]\w*`),
  /\b(?:go|golang|rust|ruby|java|kotlin|dart|elixir|scala|haskell)\s+(?:program|code|app|script|service|binary|server|project|module|package|test|function|struct|channel|routine)s?\b/i,
  /\b(?:in|using|with|into|to) (?:java|rust|ruby|swift|go|dart|elixir|erlang|kotlin|typescript|javascript)\b(?![\w'-])(?!,?\s+(?:indonesia|island|sea|coffee|beans|and bali))/i,
  /\b(?:react|vue|angular|svelte|flask|rails|express|spring boot|django|next\.?js|nuxt|remix|gatsby)\s+(?:app|application|api|route|routes|server|project|component|view|model|endpoint|backend|frontend|template|form)s?\b/i,
  /\b(?:Jest|Maven|Terraform|Tailwind|Vercel|Netlify|Heroku|GitHub|GitLab|Bitbucket|Jenkins|CircleCI|Xcode|Gradle|Webpack|Babel|ESLint|Prettier|Postman|Swagger|OpenAPI|Kafka|RabbitMQ|Elasticsearch|Supabase|Firebase|Prisma|Sequelize|Hibernate|Symfony|Godot|Flutter|Xamarin|Blazor|Vite|Redux|Nginx|Kotlin|Laravel)\b/,
  /\b(?:bash|zsh|shell|terminal|command[- ]line)\s+(?:script|command|one-liner|loop|function|alias|prompt|pipe)s?\b|\b(?:in|with|using)\s+(?:bash|zsh|node|the terminal|the shell|the command line)\b(?!\s*\d)/i,
];

export function namesLanguage(text: string): boolean {
  return LANGUAGE.some((re) => re.test(text));
}

/** A request to write code: a verb, then within a few words a thing made of code. */
export const CODE_REQUEST =
  /\b(?:write|create|generate|give me|build|make|implement|code|scaffold|set up|show me|add|port|convert|translate|rewrite|refactor|need|want|looking for)\b[^.?!\n]{0,50}?\b(?:function|script(?!\s+for\s+(?:an?|the|my|our)\s+(?:\S+\s+){0,2}(?:video|movie|film|play|sketch|skit|commercial|ad|trailer|episode|scene|podcast|short|presentation|speech|wedding))|regex|regular expression|sql|query|class|method|(?<!(?:tv|training|exercise|workout|loyalty|radio|degree|exchange|study|mentoring|rewards?|fitness|diet|meal|study|reading|savings|wellness|health|care|cleaning|recovery)\s)program(?=\s+(?:that|which|to|in|for (?:a|the) computer))|unit tests?|tests? for|shell command|one-liner|cli|api|endpoint|algorithm|component|module|code (?:example|sample)s?|dockerfile|makefile|workflow|pipeline|stored procedure|migration|data class|struct|interface|type definitions?|enum|hook|decorator|middleware|parser|bot|web ?app|server|cache)\b|^\s*(?:please\s+)?(?:implement|refactor|debug)\b|\brefactor\b/i;

/** Asking for a review of code: review wording is code review, whatever the review looks for. */
export const CODE_REVIEW =
  /\bcode[- ]review\b|\b(?:review|critique|audit|look over|go over|check over)\b[^.?!\n]{0,40}\b(?:code|pr(?!\s+(?:strategy|campaign|team|agency|plan|statement))|pull request|merge request|diff|patch|changeset|function|method|implementation|snippet|module|query|component|endpoint)s?\b|\bis (?:this|my) code (?:idiomatic|clean|readable|good)\b/i;

/** Software people run rather than write: with a trouble report, debugging. */
export const RUNNING_SOFTWARE =
  /\b(?:(?:my|the|this) (?:model|classifier|network|notebook|training|pipeline|cluster|pod|container|deployment)|(?:checkout|cart|login|log-?in|sign-?up|payment|search|settings|admin|landing|home) (?:page|flow|form|screen|button)|users (?:report|say|complain)|(?:form|button|page|modal|dropdown|popup|menu|link|checkbox|input|field)s? (?:submits?|clicks?|loads?|renders?|reloads?|redirects?|closes?|opens?|doesn'?t|does not|won'?t|is not|isn'?t)|latency|(?:my|this|the|our) (?:program|project|build|bot|code|script)|excel|spreadsheet|google sheets|formula|macro|website|web ?page|web ?site|web ?app|site|browser|safari|chrome|firefox|page layout|layout|server|servers|app|apps|application|https?|ssl|tls|dns|hosting|deploy\w*|plugin|extension|wordpress|shopify|localhost|port|build|install(?:ed|ing|ation)?|upgrad(?:e|ed|ing)|console|logs?|terminal|command)\b/i;
