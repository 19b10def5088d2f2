/**
 * Files that are never read unless settings allow them (inputs.allow): environment files, private
 * keys, credential stores, and git's own internals. Matched with picomatch on the path relative to
 * its root, so a secret is found at any depth; a file whose first bytes are a PEM private key is a
 * secret whatever its name.
 */
import picomatch from 'picomatch';

export const SECRET_PATTERNS: ReadonlyArray<[pattern: string, what: string]> = [
  ['**/.env.*', 'an environment file'],
  ['**/*.env', 'an environment file'], // .env too (dot files are matched)
  ['**/.envrc', 'an environment file'],
  ['**/id_{rsa,dsa,ecdsa,ed25519}{,_sk}', 'an SSH private key'],
  ['**/*.{pem,key,p12,pfx,jks,keystore,ppk,kdbx}', 'a private key or key store'],
  ['**/.ssh/**', 'an SSH folder'],
  ['**/.gnupg/**', 'a GnuPG folder'],
  ['**/.aws/**', 'AWS credentials'],
  ['**/.azure/**', 'Azure credentials'],
  ['**/.config/gcloud/**', 'Google Cloud credentials'],
  ['**/.kube/config', 'a Kubernetes credential file'],
  ['**/.docker/config.json', 'Docker registry credentials'],
  ['**/{.npmrc,.pypirc,.netrc,_netrc,.git-credentials,.htpasswd,.pgpass,.my.cnf}', 'a credential file'],
  [
    '**/{credentials,credentials.json,credentials.yml,credentials.yaml,secrets.json,secrets.yml,secrets.yaml}',
    'a credential file',
  ],
  ['**/*service-account*.json', 'a service-account key'],
  ['**/.git/**', "git's internal files"], // the .git folder or file itself too (** matches no segment)
];

const OPTIONS = { dot: true, nocase: true } as const;
const matchers = SECRET_PATTERNS.map(([p, what]) => ({ test: picomatch(p, OPTIONS), what }));
/** Public halves of key pairs are not secret. */
const PUBLIC_KEY = /\.pub$/i;
const PEM_PRIVATE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Why `relPath` (relative to its root, with `/`) is a secret, or undefined. */
export function secretKind(relPath: string): string | undefined {
  if (PUBLIC_KEY.test(relPath)) return undefined;
  const path = relPath.startsWith('/') ? relPath.slice(1) : relPath;
  return matchers.find((m) => m.test(path))?.what;
}

/** A file's first bytes hold a private key. */
export function looksLikePrivateKey(head: string): boolean {
  return PEM_PRIVATE.test(head);
}

/** A matcher for the patterns settings allow (inputs.allow), tried on the relative path and the name. */
export function allowMatcher(patterns: readonly string[]): (relPath: string) => boolean {
  if (patterns.length === 0) return () => false;
  const test = picomatch([...patterns], { ...OPTIONS, basename: false });
  const byName = picomatch([...patterns], { ...OPTIONS, basename: true });
  return (relPath) => test(relPath) || byName(relPath);
}
