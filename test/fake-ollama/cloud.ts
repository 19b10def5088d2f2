/**
 * Cloud models (server/cloud_proxy.go, internal/modelref): a name with a `:cloud` tag or a
 * `-cloud` tag suffix, or an installed stub with a remote host, is proxied to ollama.com. It is
 * never loaded here: never in /api/ps, never charged to memory. Without a sign-in the answer is
 * 401 `{"error":"unauthorized","signin_url":"https://ollama.com/connect?name=…&key=…"}`; signed in
 * (cloudSignedIn) it answers like a remote model.
 */
import type { FakeModel } from './models.js';
import { cloudBase } from './names.js';
import type { Exchange } from './exchange.js';

/** A fake public key, as `ollama signin` would send it (base64url). */
const FAKE_KEY = Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeOllamaTestKeyForSignIn').toString('base64url');

export const SIGNIN_URL = `https://ollama.com/connect?name=fake-ollama&key=${FAKE_KEY}`;

/** Whether a request for `sent` goes to the cloud (explicit cloud name, or an installed cloud stub). */
export function isCloudRequest(sent: string, installed: FakeModel | undefined): boolean {
  return cloudBase(sent) !== undefined || (installed?.remoteHost ?? '') !== '';
}

/** Answers 401 with a sign-in URL unless signed in; true when the request may go on. */
export function cloudGate(ex: Exchange, signedIn: boolean): boolean {
  if (signedIn) return true;
  ex.json(401, { error: 'unauthorized', signin_url: SIGNIN_URL });
  return false;
}

/** The stand-in for a cloud model nobody installed (an explicit `…:cloud` name). */
export function cloudModel(sent: string): FakeModel {
  const base = cloudBase(sent) ?? sent;
  return {
    name: sent,
    size: 0,
    family: 'cloud',
    parameterSize: '',
    quantization: '',
    architecture: 'cloud',
    contextLength: 131072,
    capabilities: ['completion', 'tools'],
    remoteHost: 'https://ollama.com:443',
    remoteModel: base,
  };
}
