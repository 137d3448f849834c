// Every way of not reaching the engine exits 69 with its own cause in words and the hint that
// fits it (issue 14 item 4), against real servers (scripts/remote-lab): stunnel4 and socat
// requiring a client certificate, a socat front whose certificate names another host, a Go TLS
// server (it answers plain HTTP with dockerd's 400), a private sshd with its own host key.
// No raw OpenSSL text (`...rec_layer_s3.c:1601...`) in any message, and "start the engine"
// only where the engine is what is missing.
//
// Needs Debian's stunnel4, socat, docker-registry, openssh-server, openssl (see remote-lab).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixturesDir, runStack } from '../helpers/engine.js';
import { labVar, sshEnv, sshEnvWith, startLab, stopLab, tlsEnv, type Lab } from '../helpers/remote-lab.js';

const file = join(fixturesDir, 'remote', 'stack.yaml');

interface Refusal {
  readonly name: string;
  readonly env: (lab: Lab) => Record<string, string | undefined>;
  readonly cause: RegExp;
  readonly hint: RegExp;
}

const CLEARED = { DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_TLS_VERIFY: undefined, DOCKER_TLS: undefined, DOCKER_CERT_PATH: undefined };

const refusals: Refusal[] = [
  {
    name: 'stunnel4 asks for a client certificate and there is none',
    env: (lab) => tlsEnv(lab, 'STUNNEL_PORT', 'CERTS_NO_CLIENT'),
    cause: /the engine requires a client certificate, and there is none/,
    hint: /client certificate signed by the engine's CA in .*no-client-cert\/cert\.pem \(DOCKER_CERT_PATH\)/,
  },
  {
    name: 'socat asks for a client certificate and there is none',
    env: (lab) => tlsEnv(lab, 'SOCAT_PORT', 'CERTS_NO_CLIENT'),
    cause: /the engine requires a client certificate, and there is none/,
    hint: /client certificate signed by the engine's CA in .*no-client-cert\/cert\.pem/,
  },
  {
    name: 'stunnel4 refuses a client certificate from a CA it does not trust',
    env: (lab) => tlsEnv(lab, 'STUNNEL_PORT', 'CERTS_FOREIGN_CLIENT'),
    cause: /refused our client certificate .*foreign-client\/cert\.pem.*does not trust the CA/,
    hint: /client certificate issued by the CA the engine trusts/,
  },
  {
    name: 'socat refuses a client certificate from a CA it does not trust',
    env: (lab) => tlsEnv(lab, 'SOCAT_PORT', 'CERTS_FOREIGN_CLIENT'),
    cause: /refused our client certificate .*foreign-client\/cert\.pem/,
    hint: /client certificate issued by the CA the engine trusts/,
  },
  {
    name: "the engine's certificate is not signed by our CA",
    env: (lab) => tlsEnv(lab, 'STUNNEL_PORT', 'CERTS_OTHER_CA'),
    cause: /the engine's certificate is not signed by the CA in .*other-ca\/ca\.pem/,
    hint: /put the CA that signed the engine's certificate in .*other-ca\/ca\.pem/,
  },
  {
    name: "the engine's certificate names another host",
    env: (lab) => tlsEnv(lab, 'WRONG_SAN_PORT'),
    cause: /the engine's certificate is not issued for 127\.0\.0\.1/,
    hint: /subjectAltName/,
  },
  {
    name: 'plain HTTP to a Go TLS server gets its 400, and the hint to set DOCKER_TLS_VERIFY',
    env: (lab) => ({ ...CLEARED, DOCKER_HOST: `tcp://127.0.0.1:${labVar(lab, 'GO_TLS_PORT')}` }),
    cause: /answered the ping with HTTP 400: it speaks TLS, and the request was plain HTTP/,
    hint: /set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH/,
  },
  {
    name: 'plain HTTP to stunnel4 (which closes the connection) gets the hint to set DOCKER_TLS_VERIFY',
    env: (lab) => ({ ...CLEARED, DOCKER_HOST: `tcp://127.0.0.1:${labVar(lab, 'STUNNEL_PORT')}` }),
    cause: /the connection was closed before any answer/,
    hint: /is a TLS port, set DOCKER_TLS_VERIFY=1/,
  },
  {
    name: 'nothing listens on the port',
    env: () => ({ ...CLEARED, DOCKER_HOST: 'tcp://127.0.0.1:1' }),
    cause: /connection refused: nothing listens on 127\.0\.0\.1:1/,
    hint: /^start the engine, or check the port/,
  },
  {
    name: 'no engine socket',
    env: () => ({ ...CLEARED, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
    cause: /no socket at \/nonexistent\/docker\.sock/,
    hint: /^start the engine/,
  },
  {
    name: 'the ssh host key is not in known_hosts',
    env: (lab) => sshEnvWith(lab, 'unknown-host', { knownHosts: 'known_hosts.empty' }),
    cause: /the host key of \[127\.0\.0\.1\]:\d+ is not in known_hosts/,
    hint: /connect once with `ssh -p \d+ \S+@127\.0\.0\.1` and check the fingerprint/,
  },
  {
    name: 'the ssh host key changed',
    env: (lab) => sshEnvWith(lab, 'changed-host', { knownHosts: 'known_hosts.changed' }),
    cause: /the host key of \[127\.0\.0\.1\]:\d+ has changed since it was saved in known_hosts/,
    hint: /ssh-keygen -R '\[127\.0\.0\.1\]:\d+'/,
  },
  {
    name: 'the ssh login is refused (a key the server does not know)',
    env: (lab) => sshEnvWith(lab, 'unknown-key', { identity: 'id_unknown' }),
    cause: /ssh login as \S+@127\.0\.0\.1 was refused \(publickey\)/,
    hint: /IdentityFile|ssh-add/,
  },
  {
    name: 'the ssh host has no docker command',
    env: (lab) => sshEnvWith(lab, 'no-docker', { identity: 'id_nodocker' }),
    cause: /127\.0\.0\.1 has no `docker` command/,
    hint: /install the Docker CLI on 127\.0\.0\.1/,
  },
];

describe('each cause of an unreachable engine exits 69 with its own hint', () => {
  let lab: Lab | undefined;
  before(async () => {
    lab = await startLab();
  });
  after(() => stopLab(lab));

  for (const refusal of refusals) {
    it(refusal.name, async () => {
      const r = await runStack(['-f', file, '-p', 'tunreachable', 'ps'], { env: refusal.env(lab!) });
      assert.equal(r.code, 69, r.stderr);
      const error = /^error: cannot reach the Docker engine at \S+: (.*)$/m.exec(r.stderr)?.[1];
      const hint = /^hint: (.*)$/m.exec(r.stderr)?.[1];
      assert.ok(error !== undefined && hint !== undefined, r.stderr);
      assert.match(error, refusal.cause);
      assert.match(hint, refusal.hint);
      if (!/no socket|nothing listens/.test(error)) assert.doesNotMatch(hint, /^start the engine/, 'the engine runs: starting it is not the advice');
      assert.doesNotMatch(r.stderr, /\.c:\d+|SSL routines|error:[0-9A-F]{8}/, 'no raw OpenSSL text');
    });
  }

  it('the right key and known_hosts reach the engine over the same sshd (the refusals above are the causes, not the set-up)', async () => {
    const r = await runStack(['-f', file, '-p', 'tunreachable', 'ps'], { env: sshEnv(lab!) });
    assert.equal(r.code, 0, r.stderr);
  });
});
