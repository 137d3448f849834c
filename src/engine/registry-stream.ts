// Push and pull progress streams (`POST /images/{name}/push`, `POST /images/create`), read one
// parsed JSON message at a time, and what a registry failure means. Pure: no I/O.
//
// Registry failures cannot be told apart by HTTP status code, measured on Docker 20.10 against
// Debian's docker-registry 2.8 on 127.0.0.1 (plain, and with htpasswd authentication):
//   pull, missing tag or repository   404 {"message":"manifest for ... not found: manifest unknown"}
//   pull, no credentials              500 {"message":"Head \"http://.../manifests/1\": no basic auth credentials"}
//   pull, wrong password              500 {"message":"unauthorized: authentication required"}
//   pull, registry down               500 {"message":"Get \"http://.../v2/\": dial tcp ...: connect: connection refused"}
//   push, no credentials              200, then {"error":"no basic auth credentials"} in the stream
//   push, wrong password              200, then {"error":"unauthorized: authentication required"}
//   push, no such local image         200, then {"error":"An image does not exist locally with the tag: ..."}
//   push, registry down               200, then {"error":"Get \"http://.../v2/\": dial tcp ...: connection refused"}
//   push without X-Registry-Auth      400 "Bad parameters and missing X-Registry-Auth: EOF"
// So for a 500 and for an error inside a 200 stream the engine's message is all there is: it is
// read here, and only here, to tell "wrong password" from "no such image" from "try again".

import type { RegistryProgressEvent } from '../api/engine-types.js';

/** What a registry failure means for the caller. */
export type RegistryFailureKind = 'auth' | 'not-found' | 'transient' | 'other';

// Docker Hub's "pull access denied for x, repository does not exist or may require 'docker
// login'" says both: it is read as not-found (the more common cause), with a hint at login.
const NOT_FOUND = [
  /manifest unknown/i,
  /\bnot found\b/i,
  /repository does not exist/i,
  /name unknown/i,
  /does not exist locally/i,
  /no such image/i,
];
const AUTH = [/unauthorized/i, /no basic auth credentials/i, /authentication required/i, /\bdenied\b/i, /incorrect username or password/i, /\bforbidden\b/i];
const TRANSIENT = [
  /connection refused/i,
  /connection reset/i,
  /broken pipe/i,
  /i\/o timeout/i,
  /timeout exceeded/i,
  /TLS handshake timeout/i,
  /temporary failure in name resolution/i,
  /server misbehaving/i,
  /too many requests|toomanyrequests/i,
  /unexpected EOF|: EOF$/i,
  /status(?: code)?:? 5\d\d\b/i,
  /\b50[234] (?:Bad Gateway|Service Unavailable|Gateway Time-?out)\b/i,
  /service unavailable/i,
];

export function classifyRegistryMessage(message: string): RegistryFailureKind {
  if (/pull access denied/i.test(message) && /does not exist/i.test(message)) return 'not-found';
  if (AUTH.some((re) => re.test(message))) return 'auth';
  if (NOT_FOUND.some((re) => re.test(message))) return 'not-found';
  if (TRANSIENT.some((re) => re.test(message))) return 'transient';
  return 'other';
}

export type RegistryOutcome =
  | { readonly ok: true; readonly digest?: string }
  | { readonly ok: false; readonly message: string };

interface RawProgress {
  status?: unknown;
  id?: unknown;
  progressDetail?: { current?: unknown; total?: unknown } | null;
  aux?: { Digest?: unknown } | null;
  error?: unknown;
  errorDetail?: { message?: unknown } | null;
}

export class RegistryStreamReader {
  private digest?: string;
  private error?: string;

  constructor(private readonly onProgress?: (event: RegistryProgressEvent) => void) {}

  accept(message: unknown): void {
    if (message === null || typeof message !== 'object') return;
    const m = message as RawProgress;
    if (m.error !== undefined || m.errorDetail) {
      const text = typeof m.errorDetail?.message === 'string' ? m.errorDetail.message : typeof m.error === 'string' ? m.error : 'failed';
      this.error ??= text.trim();
      return;
    }
    // A push ends with {"aux":{"Tag":"1","Digest":"sha256:...","Size":527}}.
    if (m.aux && typeof m.aux.Digest === 'string') this.digest = m.aux.Digest;
    if (typeof m.status === 'string') {
      const current = typeof m.progressDetail?.current === 'number' ? m.progressDetail.current : undefined;
      const total = typeof m.progressDetail?.total === 'number' ? m.progressDetail.total : undefined;
      this.onProgress?.({
        status: m.status,
        ...(typeof m.id === 'string' ? { id: m.id } : {}),
        ...(current !== undefined ? { current } : {}),
        ...(total !== undefined ? { total } : {}),
      });
    }
  }

  finish(): RegistryOutcome {
    if (this.error !== undefined) return { ok: false, message: this.error };
    return this.digest ? { ok: true, digest: this.digest } : { ok: true };
  }
}
