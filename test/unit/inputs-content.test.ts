import { describe, expect, it } from 'vitest';
import { asBase64Image, classifyContent, imageFormat } from '../../src/orchestrator/inputs/content.js';
import picomatch from 'picomatch';
import {
  allowMatcher,
  looksLikePrivateKey,
  SECRET_PATTERNS,
  secretKind,
} from '../../src/orchestrator/inputs/secrets.js';
import { isInside } from '../../src/orchestrator/inputs/scope.js';
import { PNG_1X1 } from '../helpers/project-fixture.js';

describe('what bytes are', () => {
  it('knows images by their signature', () => {
    expect(imageFormat(PNG_1X1)).toBe('png');
    expect(imageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('jpeg');
    expect(imageFormat(Buffer.from('GIF89a....'))).toBe('gif');
    expect(imageFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(imageFormat(Buffer.from('plain text'))).toBeUndefined();
  });

  it('decodes text by its byte-order mark, and calls NUL-bearing bytes binary', () => {
    expect(classifyContent(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('añb', 'utf16le')]))).toEqual({
      kind: 'text',
      text: 'añb',
      encoding: 'utf-16le',
    });
    expect(classifyContent(Buffer.from([0xfe, 0xff, 0x00, 0x61, 0x00, 0xf1]))).toEqual({
      kind: 'text',
      text: 'añ',
      encoding: 'utf-16be',
    });
    expect(classifyContent(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toEqual({
      kind: 'text',
      text: 'hi',
      encoding: 'utf-8',
    });
    expect(classifyContent(Buffer.from('héllo'))).toEqual({ kind: 'text', text: 'héllo', encoding: 'utf-8' });
    expect(classifyContent(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]))).toEqual({ kind: 'binary' });
  });

  it('tells base64 images from paths', () => {
    const b64 = PNG_1X1.toString('base64');
    expect(asBase64Image(b64)).toBe(b64);
    expect(asBase64Image(`data:image/png;base64,${b64}`)).toBe(b64);
    expect(asBase64Image('aGVsbG8=')).toBe('aGVsbG8='); // padded: base64
    expect(asBase64Image('photo.png')).toBeUndefined();
    expect(asBase64Image('images/cat')).toBeUndefined();
    expect(asBase64Image('/home/me/.ssh/id_rsa')).toBeUndefined();
    expect(asBase64Image('C:\\pics\\cat.jpg')).toBeUndefined();
  });
});

describe('secrets', () => {
  it('finds secrets at any depth, and leaves ordinary and public files alone', () => {
    for (const p of [
      '.env',
      'app/.env.production',
      'deploy/prod.env',
      'home/.ssh/config',
      'id_ed25519',
      'certs/tls.key',
      'x.p12',
      '.npmrc',
      '.aws/credentials',
      'a/.git/config',
      '.git/HEAD',
      'gcp-service-account-prod.json',
      '.kube/config',
    ]) {
      expect(secretKind(p), p).toBeDefined();
    }
    for (const p of [
      'src/env.ts',
      'environment.md',
      'id_rsa.pub',
      'keys.ts',
      'docs/credentials.md',
      'src/.github/workflow.yml',
      'README.md',
    ]) {
      expect(secretKind(p), p).toBeUndefined();
    }
  });

  it('lets settings allow a pattern, by path or by name', () => {
    const allowed = allowMatcher(['.env.example', 'fixtures/**/*.pem']);
    expect(allowed('config/.env.example')).toBe(true);
    expect(allowed('fixtures/tls/test.pem')).toBe(true);
    expect(allowed('.env')).toBe(false);
    expect(allowMatcher([])('anything')).toBe(false);
  });

  it('finds a private key by its contents', () => {
    expect(looksLikePrivateKey('x\n-----BEGIN EC PRIVATE KEY-----\n')).toBe(true);
    expect(looksLikePrivateKey('-----BEGIN PUBLIC KEY-----')).toBe(false);
  });

  it('compares paths as folders, not as string prefixes', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c')).toBe(false);
  });
});

describe('every secret rule', () => {
  /** For each rule, a path only it matches: removing any one rule lets its example through. */
  const ONLY: Record<string, [example: string, kind: string]> = {
    '**/.env.*': ['app/.env.production', 'an environment file'],
    '**/*.env': ['app/.env', 'an environment file'],
    '**/.envrc': ['proj/.envrc', 'an environment file'],
    '**/id_{rsa,dsa,ecdsa,ed25519}{,_sk}': ['backup/id_ed25519_sk', 'an SSH private key'],
    '**/*.{pem,key,p12,pfx,jks,keystore,ppk,kdbx}': ['certs/vault.kdbx', 'a private key or key store'],
    '**/.ssh/**': ['home/.ssh/known_hosts', 'an SSH folder'],
    '**/.gnupg/**': ['home/.gnupg/pubring.kbx', 'a GnuPG folder'],
    '**/.aws/**': ['home/.aws/config', 'AWS credentials'],
    '**/.azure/**': ['home/.azure/msal_token_cache.json', 'Azure credentials'],
    '**/.config/gcloud/**': ['home/.config/gcloud/application_default_credentials.json', 'Google Cloud credentials'],
    '**/.kube/config': ['home/.kube/config', 'a Kubernetes credential file'],
    '**/.docker/config.json': ['home/.docker/config.json', 'Docker registry credentials'],
    '**/{.npmrc,.pypirc,.netrc,_netrc,.git-credentials,.htpasswd,.pgpass,.my.cnf}': [
      'home/.pgpass',
      'a credential file',
    ],
    '**/{credentials,credentials.json,credentials.yml,credentials.yaml,secrets.json,secrets.yml,secrets.yaml}': [
      'config/secrets.yaml',
      'a credential file',
    ],
    '**/*service-account*.json': ['keys/prod-service-account-01.json', 'a service-account key'],
    '**/.git/**': ['repo/.git', "git's internal files"],
  };

  it('has an example only it matches, found as the kind of secret it names', () => {
    const rules = SECRET_PATTERNS.map(([pattern, what]) => ({
      pattern,
      what,
      test: picomatch(pattern, { dot: true, nocase: true }),
    }));
    expect(Object.keys(ONLY).sort()).toEqual(rules.map((r) => r.pattern).sort());
    for (const rule of rules) {
      const [example, kind] = ONLY[rule.pattern]!;
      expect(
        rules.filter((r) => r.test(example)).map((r) => r.pattern),
        example,
      ).toEqual([rule.pattern]);
      expect(secretKind(example), example).toBe(kind);
    }
  });

  it('public halves of key pairs are not secret, wherever they are; a path from the root is matched as well', () => {
    expect(secretKind('home/.ssh/id_ed25519.pub')).toBeUndefined();
    expect(secretKind('keys/ID_RSA.PUB')).toBeUndefined();
    expect(secretKind('keys/signing.pub.key')).toBe('a private key or key store');
    expect(secretKind('/app/.env')).toBe('an environment file');
    expect(secretKind('/home/.ssh/known_hosts')).toBe('an SSH folder');
  });

  it('what settings allow is matched by path and by name, any case, dot files included', () => {
    expect(allowMatcher([])('app/.env')).toBe(false);
    expect(allowMatcher(['Config/.Secrets/**'])('config/.secrets/a.json')).toBe(true);
    expect(allowMatcher(['*.ENV'])('deploy/app/.env')).toBe(true);
  });
});
