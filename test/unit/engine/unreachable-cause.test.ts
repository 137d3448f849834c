// Cause and hint of each way the engine can be out of reach (src/engine/unreachable-cause.ts).
// The failures are the ones node and ssh really produced against the lab's servers
// (scripts/remote-lab); test/labs/unreachable-causes.test.ts runs them for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHost, type Endpoint } from '../../../src/engine/endpoint.js';
import { connectionFailureOf, explainPlainHttpToTls, explainUnreachable } from '../../../src/engine/unreachable-cause.js';
import { TransportError } from '../../../src/engine/modem-transport.js';
import { SshExitError } from '../../../src/engine/ssh-connection.js';

const tls: Endpoint = {
  ...parseHost('tcp://127.0.0.1:2376'),
  tls: { verify: true, dir: '/certs', ca: 'CA', cert: 'C', key: 'K' },
  source: 'env',
  contextName: 'default',
};
const tlsNoClientCert: Endpoint = { ...tls, tls: { verify: true, dir: '/certs', ca: 'CA' } };
const plainTcp: Endpoint = { ...parseHost('tcp://127.0.0.1:2376'), source: 'env', contextName: 'default' };
const unix: Endpoint = { ...parseHost('unix:///var/run/docker.sock'), source: 'default', contextName: 'default' };
const ssh: Endpoint = { ...parseHost('ssh://deploy@build.example:2222'), source: 'env', contextName: 'default' };

/** An error as node raises it: a message, a code, sometimes OpenSSL's reason. */
function nodeError(code: string, message: string, reason?: string): Error {
  return Object.assign(new Error(message), { code, ...(reason ? { reason } : {}) });
}

/** As the transport hands it to the gateway: node's error as the cause. */
function wrapped(e: Error): TransportError {
  return new TransportError(e.message, (e as { code?: string }).code, false, { cause: e });
}

function explain(e: Error, endpoint: Endpoint): { cause: string; hint: string } {
  return explainUnreachable(connectionFailureOf(wrapped(e)), endpoint);
}

const OPENSSL_NOISE = /rec_layer|ssl3_|\.c:\d+|0A0004/;

test('no client certificate: says the engine requires one and where to put it', () => {
  const r = explain(
    nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', '80FC...:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116', 'tlsv13 alert certificate required'),
    tlsNoClientCert,
  );
  assert.equal(r.cause, 'the engine requires a client certificate, and there is none');
  assert.match(r.hint, /\/certs\/cert\.pem \(DOCKER_CERT_PATH\)/);
  assert.doesNotMatch(r.cause + r.hint, OPENSSL_NOISE);
});

test('a client certificate from a CA the engine does not trust: says so and names the file', () => {
  const r = explain(nodeError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', '...ssl3_read_bytes:tlsv1 alert unknown ca:...rec_layer_s3.c:1601...', 'tlsv1 alert unknown ca'), tls);
  assert.match(r.cause, /refused our client certificate \/certs\/cert\.pem .*does not trust the CA/);
  assert.match(r.hint, /issued by the CA the engine trusts/);
});

test('the engine\'s certificate from another CA: names ca.pem', () => {
  const r = explain(nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), tls);
  assert.equal(r.cause, "the engine's certificate is not signed by the CA in /certs/ca.pem (DOCKER_CERT_PATH)");
});

test('the engine\'s certificate for another name: names the host', () => {
  const r = explain(nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ", "IP: 127.0.0.1 is not in the cert's list: "), tls);
  assert.equal(r.cause, "the engine's certificate is not issued for 127.0.0.1 (IP: 127.0.0.1 is not in the cert's list)");
  assert.match(r.hint, /subjectAltName/);
});

test('TLS to a plain-HTTP port: says it does not speak TLS, and to unset DOCKER_TLS_VERIFY', () => {
  const r = explain(nodeError('EPROTO', 'write EPROTO 80FC...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:'), tls);
  assert.equal(r.cause, 'tcp://127.0.0.1:2376 does not speak TLS (it answered in plain text)');
  assert.match(r.hint, /unset DOCKER_TLS_VERIFY/);
});

test('an unknown TLS alert shows OpenSSL\'s reason, not its source file', () => {
  const r = explain(nodeError('ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', 'write EPROTO ...:tlsv1 alert internal error:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 80', 'tlsv1 alert internal error'), tls);
  assert.equal(r.cause, 'the TLS handshake failed (tlsv1 alert internal error)');
  assert.doesNotMatch(r.cause, OPENSSL_NOISE);
});

test('plain HTTP answered with 400 by a TLS port: the hint is DOCKER_TLS_VERIFY', () => {
  const r = explainPlainHttpToTls(plainTcp);
  assert.match(r.cause, /speaks TLS/);
  assert.match(r.hint, /DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH/);
});

test('a reset plain connection to a tcp port suggests TLS', () => {
  const r = explain(nodeError('ECONNRESET', 'read ECONNRESET'), plainTcp);
  assert.match(r.hint, /if tcp:\/\/127\.0\.0\.1:2376 is a TLS port, set DOCKER_TLS_VERIFY=1/);
});

test('a missing socket says to start the engine', () => {
  const r = explain(nodeError('ENOENT', 'connect ENOENT /var/run/docker.sock'), unix);
  assert.equal(r.cause, 'no socket at /var/run/docker.sock');
  assert.match(r.hint, /^start the engine/);
});

test('a refused tcp connection names host and port and the usual ports', () => {
  const r = explain(nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:2376'), plainTcp);
  assert.equal(r.cause, 'connection refused: nothing listens on 127.0.0.1:2376');
  assert.match(r.hint, /2375, or 2376 with TLS/);
});

test('a permission denied socket points at the docker group, not at starting the engine', () => {
  const r = explain(nodeError('EACCES', 'connect EACCES /var/run/docker.sock'), unix);
  assert.match(r.hint, /docker group/);
});

function sshFailure(exitCode: number, stderr: string): { cause: string; hint: string } {
  return explainUnreachable(connectionFailureOf(new TransportError('x', 'ESSH', false, { cause: new SshExitError(exitCode, stderr) })), ssh);
}

test('an unknown host key: says it is not in known_hosts and how to check and save it', () => {
  const r = sshFailure(255, 'No ED25519 host key is known for [build.example]:2222 and you have requested strict checking.\nHost key verification failed.');
  assert.equal(r.cause, 'the host key of [build.example]:2222 is not in known_hosts');
  assert.match(r.hint, /`ssh -p 2222 deploy@build\.example`/);
});

test('a changed host key: says it changed and how to remove the old one', () => {
  const r = sshFailure(255, '@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@\nHost key verification failed.');
  assert.equal(r.cause, 'the host key of [build.example]:2222 has changed since it was saved in known_hosts');
  assert.match(r.hint, /ssh-keygen -R '\[build\.example\]:2222'/);
});

test('a refused login: names the user and the methods, and the key to use', () => {
  const r = sshFailure(255, 'deploy@build.example: Permission denied (publickey).');
  assert.equal(r.cause, 'ssh login as deploy@build.example was refused (publickey)');
  assert.match(r.hint, /ssh-add|IdentityFile/);
});

test('no docker on the remote side: says so, with what to install where', () => {
  const r = sshFailure(127, 'sh: 1: docker: not found');
  assert.match(r.cause, /build\.example has no `docker` command/);
  assert.match(r.hint, /install the Docker CLI on build\.example/);
});

test('an ssh failure nobody knows keeps ssh\'s own first line', () => {
  const r = sshFailure(255, 'kex_exchange_identification: read: Connection reset by peer\n');
  assert.equal(r.cause, 'ssh failed: kex_exchange_identification: read: Connection reset by peer');
});

test('no ssh client at all', () => {
  const r = explain(nodeError('ENOENT', 'spawn ssh ENOENT'), ssh);
  assert.match(r.cause, /no `ssh` command/);
});
