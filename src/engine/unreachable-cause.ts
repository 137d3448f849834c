// Why the engine could not be reached, in words, and what to do about it (issue 14 item 4):
// the one place that maps a failed connection to its cause and its hint. "Start the engine" is
// the right advice for a missing socket, and wrong for a refused certificate, an unknown host
// key or a refused login, where the engine may well be running.
//
// What it reads, in order of trust: node's error code (ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID,
// ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: OpenSSL's reason as a code); for the few failures
// node reports under a generic code (EPROTO), OpenSSL's reason text; for ssh, its exit status
// and what it printed, which is all ssh gives (255 is ssh's own failure, 127 "command not
// found" on the remote side). Raw OpenSSL text (`...rec_layer_s3.c:1601...`) never reaches the
// message: --debug shows it, in the error's cause.
//
// Each cause below was produced against a real server (scripts/remote-lab: stunnel4, socat,
// a Go TLS server, a private sshd), see test/integration/unreachable-causes.test.ts.

import { join } from 'node:path';
import type { Endpoint } from './endpoint.js';

/** What a failed connection left us: node's code and message, OpenSSL's reason, or ssh's exit. */
export interface ConnectionFailure {
  readonly code?: string;
  readonly message: string;
  /** OpenSSL's reason (`tlsv13 alert certificate required`), when node gave one. */
  readonly reason?: string;
  readonly ssh?: { readonly exitCode: number | null; readonly stderr: string };
}

export interface UnreachableExplanation {
  /** The cause, in words: completes "cannot reach the Docker engine at <url>: ". */
  readonly cause: string;
  readonly hint: string;
}

const START_THE_ENGINE = 'start the engine (scripts/engine-up does it on Debian), or point DOCKER_HOST / --host / --context at one that runs';

/** Collects what a failure says about itself, from the error and its causes (the transport wraps node's error). */
export function connectionFailureOf(e: unknown): ConnectionFailure {
  type Link = { code?: unknown; reason?: unknown; exitCode?: unknown; stderr?: unknown; cause?: unknown };
  const chain: Link[] = [];
  for (let cur = e as Link | undefined; cur && typeof cur === 'object' && chain.length < 5; cur = cur.cause as Link | undefined) chain.push(cur);
  const code = chain.map((l) => l.code).find((c): c is string => typeof c === 'string');
  const reason = chain.map((l) => l.reason).find((r): r is string => typeof r === 'string');
  const sshLink = chain.find((l) => l.code === 'ESSH' && typeof l.stderr === 'string');
  const ssh = sshLink ? { exitCode: typeof sshLink.exitCode === 'number' ? sshLink.exitCode : null, stderr: sshLink.stderr as string } : undefined;
  const message = (e as Error | undefined)?.message ?? String(e);
  return { message, ...(code !== undefined ? { code } : {}), ...(reason !== undefined ? { reason } : {}), ...(ssh ? { ssh } : {}) };
}

export function explainUnreachable(failure: ConnectionFailure, endpoint: Endpoint): UnreachableExplanation {
  if (failure.ssh || failure.code === 'ESSH') return explainSsh(failure, endpoint);
  if (endpoint.kind === 'ssh' && failure.code === 'ENOENT') {
    return { cause: 'there is no `ssh` command on this machine', hint: 'install the OpenSSH client (Debian: apt-get install openssh-client)' };
  }
  return explainTls(failure, endpoint) ?? explainSocket(failure, endpoint);
}

/**
 * A TLS port answered our plain HTTP the way Go's TLS server (so dockerd) does: status 400,
 * "Client sent an HTTP request to an HTTPS server".
 */
export function explainPlainHttpToTls(endpoint: Endpoint): UnreachableExplanation {
  return {
    cause: `${endpoint.url} answered the ping with HTTP 400: it speaks TLS, and the request was plain HTTP`,
    hint: 'set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem (or use a context with TLS material)',
  };
}

/** Where the TLS material came from, for hints: the directory and how the user names it. */
function material(endpoint: Endpoint, file: string): string {
  const dir = endpoint.tls?.dir;
  const path = dir ? join(dir, file) : file;
  return endpoint.contextName === 'default' ? `${path} (DOCKER_CERT_PATH)` : `${path} (the TLS material of context "${endpoint.contextName}")`;
}

const UNTRUSTED_SERVER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** Alerts by which a server refuses the client certificate we sent. */
const REFUSED_CLIENT_CERT = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

function explainTls(failure: ConnectionFailure, endpoint: Endpoint): UnreachableExplanation | undefined {
  const code = failure.code ?? '';
  if (!endpoint.tls) return undefined;
  if (UNTRUSTED_SERVER.has(code)) {
    return {
      cause: `the engine's certificate is not signed by the CA in ${material(endpoint, 'ca.pem')}`,
      hint: `put the CA that signed the engine's certificate in ${material(endpoint, 'ca.pem')}`,
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      cause: `the engine's certificate is not issued for ${endpoint.host} (${(failure.reason ?? '').replace(/[:\s]+$/, '') || 'no matching subjectAltName'})`,
      hint: `connect by a name or address the certificate lists in its subjectAltName, or give the engine a certificate that lists ${endpoint.host}`,
    };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return {
      cause: `the engine's certificate ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}`,
      hint: code === 'CERT_HAS_EXPIRED' ? 'renew the engine\'s certificate' : 'check the clocks of this machine and of the engine',
    };
  }
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' && !endpoint.tls.cert)) {
    return {
      cause: endpoint.tls.cert ? 'the engine requires a client certificate and refused ours' : 'the engine requires a client certificate, and there is none',
      hint: `put a client certificate signed by the engine's CA in ${material(endpoint, 'cert.pem')}, with its key in key.pem`,
    };
  }
  if (REFUSED_CLIENT_CERT.has(code)) {
    return {
      cause: `the engine refused our client certificate ${material(endpoint, 'cert.pem')}${code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' ? ': it does not trust the CA that signed it' : ''}`,
      hint: 'use a client certificate issued by the CA the engine trusts (its --tlscacert)',
    };
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (code === 'EPROTO' && /wrong version number/i.test(failure.message))) {
    return {
      cause: `${endpoint.url} does not speak TLS (it answered in plain text)`,
      hint: 'for an engine without TLS unset DOCKER_TLS_VERIFY and DOCKER_TLS; for one with TLS use its TLS port (usually 2376)',
    };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return {
      cause: 'the connection was closed during the TLS handshake',
      hint: `check the client certificate in ${material(endpoint, 'cert.pem')} and that ${endpoint.url} is the engine's TLS port`,
    };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    const reason = failure.reason ?? (code.startsWith('ERR_') ? code.slice('ERR_SSL_'.length).toLowerCase().replace(/_/g, ' ') : 'protocol error');
    return {
      cause: `the TLS handshake failed (${reason})`,
      hint: `check the TLS material in ${material(endpoint, '')} and DOCKER_TLS_VERIFY`,
    };
  }
  return undefined;
}

function explainSocket(failure: ConnectionFailure, endpoint: Endpoint): UnreachableExplanation {
  const where = endpoint.socketPath ?? endpoint.url;
  switch (failure.code) {
    case 'ENOENT':
      return { cause: `no socket at ${where}`, hint: START_THE_ENGINE };
    case 'ECONNREFUSED':
      return {
        cause: endpoint.kind === 'unix' ? `nothing listens on ${where}` : `connection refused: nothing listens on ${endpoint.host}:${endpoint.port}`,
        hint: endpoint.kind === 'tcp' ? 'start the engine, or check the port (engines listen on 2375, or 2376 with TLS), or point DOCKER_HOST / --host / --context at one that runs' : START_THE_ENGINE,
      };
    case 'EACCES':
      return { cause: `permission denied on ${where}`, hint: 'add your user to the docker group (then log in again), or use a rootless engine\'s socket' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { cause: `cannot resolve host ${endpoint.host ?? endpoint.url}`, hint: 'check the host name in DOCKER_HOST / --host / the context' };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { cause: `no route to ${endpoint.host ?? endpoint.url} (${failure.code})`, hint: 'check the address and any firewall between here and the engine' };
    case 'ECONNRESET':
      if (endpoint.kind === 'tcp') {
        return {
          cause: 'the connection was closed before any answer',
          hint: `if ${endpoint.url} is a TLS port, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`,
        };
      }
      return { cause: 'the connection was closed before any answer', hint: START_THE_ENGINE };
    default:
      return { cause: firstLine(failure.message), hint: START_THE_ENGINE };
  }
}

function explainSsh(failure: ConnectionFailure, endpoint: Endpoint): UnreachableExplanation {
  const stderr = failure.ssh?.stderr ?? '';
  const exitCode = failure.ssh?.exitCode;
  const target = endpoint.ssh;
  const hostPort = target ? (target.port ? `[${target.host}]:${target.port}` : target.host) : endpoint.url;
  const login = target ? `${target.user ? `${target.user}@` : ''}${target.host}` : endpoint.url;
  const sshArgs = target ? `${target.port ? `-p ${target.port} ` : ''}${login}` : endpoint.url;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return {
      cause: `the host key of ${hostPort} has changed since it was saved in known_hosts`,
      hint: `if the host really was reinstalled, remove the old key (ssh-keygen -R '${hostPort}'), check the new fingerprint, and connect once with \`ssh ${sshArgs}\``,
    };
  }
  if (/Host key verification failed|No \S+ host key is known/i.test(stderr)) {
    return {
      cause: `the host key of ${hostPort} is not in known_hosts`,
      hint: `connect once with \`ssh ${sshArgs}\` and check the fingerprint it shows, so that its key is saved (stack never accepts an unknown host key)`,
    };
  }
  if (/Permission denied/i.test(stderr)) {
    const methods = /Permission denied \(([^)]*)\)/i.exec(stderr)?.[1];
    return {
      cause: `ssh login as ${login} was refused${methods ? ` (${methods})` : ''}`,
      hint: `load the right key into your agent (ssh-add) or name it with IdentityFile in ~/.ssh/config, and check ${target?.user ?? 'the user'}'s authorized_keys on ${target?.host ?? 'the host'}`,
    };
  }
  if (/Could not resolve hostname/i.test(stderr)) {
    return { cause: `cannot resolve host ${target?.host ?? endpoint.url}`, hint: 'check the host name in DOCKER_HOST / --host / the context, or its Host entry in ~/.ssh/config' };
  }
  if (/Connection refused/i.test(stderr)) {
    return { cause: `no ssh server answers at ${hostPort} (connection refused)`, hint: 'check the host and port (ssh://user@host:port), and that sshd runs there' };
  }
  if (/timed out/i.test(stderr)) {
    return { cause: `ssh to ${hostPort} timed out`, hint: 'check the address and any firewall between here and the host' };
  }
  if (exitCode === 127 || /docker: (command )?not found|command not found/i.test(stderr)) {
    return {
      cause: `${target?.host ?? endpoint.url} has no \`docker\` command (ssh endpoints run \`docker system dial-stdio\` there)`,
      hint: `install the Docker CLI on ${target?.host ?? 'the host'}, in a directory on the PATH of non-interactive ssh sessions`,
    };
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running/i.test(stderr)) {
    return { cause: `the engine on ${target?.host ?? endpoint.url} is not running (${firstLine(stderr)})`, hint: `start the engine on ${target?.host ?? 'the host'}` };
  }
  if (/permission denied while trying to connect to the Docker daemon/i.test(stderr)) {
    return { cause: `${login} may not use the engine on ${target?.host ?? 'the host'}`, hint: `add ${target?.user ?? 'the user'} to the docker group on ${target?.host ?? 'the host'}` };
  }
  const said = stderr.trim() ? `: ${firstLine(stderr)}` : '';
  return {
    cause: `ssh ${exitCode === 255 ? 'failed' : `exited with code ${exitCode}`}${said}`,
    hint: `try \`ssh ${sshArgs} docker system dial-stdio\` by hand to see what the remote side says`,
  };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line.trim();
}
