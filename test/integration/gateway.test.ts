// The gateway against the real engine; engine state is checked with dockerode (test/helpers),
// independently of the code under test.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createServer, connect, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, testImage, uniqueProject, cleanupProject, eventually, runStack } from '../helpers/engine.js';
import { openGateway, type OpenedGateway } from '../../src/engine/connect.js';
import { DockerGateway, MAX_API_VERSION, compareApiVersions } from '../../src/engine/docker-gateway.js';
import { parseHost, type Endpoint } from '../../src/engine/endpoint.js';
import { ConflictError, EngineApiError, EngineUnreachableError, NotFoundError } from '../../src/errors.js';
import type { ContainerCreateBody } from '../../src/engine/gateway.js';

const project = uniqueProject('gateway');
let gateway: OpenedGateway;
const tmp = mkdtempSync(join(tmpdir(), 'stack-gw-test-'));

before(async () => {
  gateway = await openGateway({ env: { ...process.env, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined } });
});
after(async () => {
  await cleanupProject(project);
  rmSync(tmp, { recursive: true, force: true });
});

let counter = 0;
function body(cmd: string[], extra: Partial<ContainerCreateBody> = {}): ContainerCreateBody {
  return {
    Image: testImage,
    Cmd: cmd,
    Labels: { 'com.docker.compose.project': project, 'dev.stack.managed': 'true', 'test.case': String(++counter) },
    // busybox sleep as PID 1 ignores SIGTERM: an init makes stops immediate.
    HostConfig: { Init: true },
    ...extra,
  };
}

const localSocket: Endpoint = { ...parseHost('unix:///var/run/docker.sock'), source: 'flag', contextName: 'default' };

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

test('the API version is negotiated from /version: the engine\'s, capped at ours', async () => {
  const v = await docker.version();
  const expected = compareApiVersions(v.ApiVersion, MAX_API_VERSION) < 0 ? v.ApiVersion : MAX_API_VERSION;
  assert.equal(gateway.apiVersion, expected);
  const info = await gateway.info();
  assert.equal(info.apiVersion, expected);
  assert.equal(info.endpoint, 'unix:///var/run/docker.sock');
  assert.ok(info.ncpu >= 1);
});

test('a container is created with its labels, started, stopped and removed', async () => {
  const name = `${project}-life-1`;
  const id = await gateway.createContainer(name, body(['sleep', '300']));
  const created = await docker.getContainer(id).inspect();
  assert.equal(created.Name, `/${name}`);
  assert.equal(created.Config.Labels['dev.stack.managed'], 'true');

  await gateway.startContainer(id);
  assert.equal((await docker.getContainer(id).inspect()).State.Running, true);
  await gateway.startContainer(id); // 304: already running is not an error

  await gateway.stopContainer(id, 5);
  assert.equal((await docker.getContainer(id).inspect()).State.Running, false);
  await gateway.stopContainer(id, 5); // 304: already stopped is not an error

  await gateway.removeContainer(id, { removeAnonymousVolumes: true });
  await assert.rejects(docker.getContainer(id).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

test('creating a container with a name in use is a ConflictError naming the container', async () => {
  const name = `${project}-dup-1`;
  await gateway.createContainer(name, body(['true']));
  await assert.rejects(gateway.createContainer(name, body(['true'])), (e: unknown) => {
    assert.ok(e instanceof ConflictError, String(e));
    assert.equal(e.statusCode, 409);
    assert.match(e.message, new RegExp(`create container ${name} failed`));
    return true;
  });
});

test('a missing container is a NotFoundError', async () => {
  await assert.rejects(gateway.inspectContainer(`${project}-ghost`), NotFoundError);
  await assert.rejects(gateway.removeContainer(`${project}-ghost`, {}), NotFoundError);
});

test('the logs of a stopped container come as a stream, and wait gives the exit code', async () => {
  const id = await gateway.createContainer(`${project}-logs-1`, body(['sh', '-c', 'echo hello-out; echo hello-err >&2; exit 3']));
  await gateway.startContainer(id);
  assert.equal(await gateway.waitContainer(id), 3);
  const stream = await gateway.logs(id, { follow: false });
  assert.ok(stream instanceof Readable);
  const raw = (await drain(stream)).toString('latin1');
  assert.match(raw, /hello-out/);
  assert.match(raw, /hello-err/);
});

test('a followed log stream has no idle deadline', async () => {
  const slow = new DockerGateway(localSocket, { callTimeoutMs: 300 });
  await slow.negotiate();
  const id = await gateway.createContainer(`${project}-quiet-1`, body(['sh', '-c', 'sleep 1.5; echo late-line']));
  await gateway.startContainer(id);
  const raw = (await drain(await slow.logs(id, { follow: true }))).toString('latin1');
  assert.match(raw, /late-line/);
});

test('the container list gives health and exit code from the status text', async () => {
  const healthy = await gateway.createContainer(
    `${project}-health-1`,
    body(['sleep', '300'], { Healthcheck: { Test: ['CMD', 'true'], Interval: 500_000_000, Retries: 1 } }),
  );
  await gateway.startContainer(healthy);
  const exited = await gateway.createContainer(`${project}-exit-1`, body(['sh', '-c', 'exit 7']));
  await gateway.startContainer(exited);
  await gateway.waitContainer(exited);
  await eventually(async () => {
    const list = await gateway.listContainers({ labels: [`com.docker.compose.project=${project}`] }, { all: true });
    const h = list.find((c) => c.id === healthy);
    const x = list.find((c) => c.id === exited);
    assert.equal(h?.health, 'healthy', h?.status);
    assert.equal(h?.state, 'running');
    assert.equal(x?.state, 'exited');
    assert.equal(x?.exitCode, 7);
    assert.equal(x?.health, undefined);
    assert.ok(h && Object.keys(h.networks).includes('bridge'));
  }, 20_000);
});

test('a name filter matches whole names only (the engine matches substrings)', async () => {
  await gateway.createContainer(`${project}-web-1`, body(['true']));
  await gateway.createContainer(`${project}-web-10`, body(['true']));
  const found = await gateway.listContainers({ names: [`${project}-web-1`] }, { all: true });
  assert.deepEqual(found.map((c) => c.name), [`${project}-web-1`]);
});

test('the events iterable yields the start of a container', async () => {
  const since = Date.now() / 1000 - 1;
  const id = await gateway.createContainer(`${project}-events-1`, body(['sleep', '300']));
  await gateway.startContainer(id);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 15_000);
  let seen = false;
  for await (const event of gateway.events({ since, labels: [`com.docker.compose.project=${project}`], types: ['container'] }, abort.signal)) {
    if (event.id === id && event.action === 'start') {
      seen = true;
      assert.equal(event.attributes['com.docker.compose.project'], project);
      assert.ok(event.timeNano > since * 1e9);
      break;
    }
  }
  clearTimeout(timer);
  assert.ok(seen, 'a start event was seen');
});

test('exec runs a command in a running container and reports its exit code', async () => {
  const id = await gateway.createContainer(`${project}-exec-1`, body(['sleep', '300']));
  await gateway.startContainer(id);
  const { execId, stream } = await gateway.exec(id, { cmd: ['sh', '-c', 'echo from-exec; exit 4'], tty: true, attachStdin: false });
  const out = (await drain(stream.stream as unknown as Readable)).toString();
  assert.match(out, /from-exec/);
  assert.equal(await eventually(async () => {
    const code = await gateway.execExitCode(execId);
    assert.notEqual(code, undefined);
    return code;
  }, 10_000), 4);
});

test('networks and volumes are created with labels, listed by label and removed', async () => {
  const labels = { 'com.docker.compose.project': project, 'dev.stack.managed': 'true' };
  const networkId = await gateway.createNetwork({ Name: `${project}_net`, Labels: labels });
  const volume = await gateway.createVolume({ Name: `${project}_data`, Labels: labels });
  assert.equal(volume.name, `${project}_data`);
  const networks = await gateway.listNetworks({ labels: [`com.docker.compose.project=${project}`] });
  const volumes = await gateway.listVolumes({ labels: [`com.docker.compose.project=${project}`] });
  assert.deepEqual(networks.map((n) => n.id), [networkId]);
  assert.deepEqual(volumes.map((v) => v.name), [`${project}_data`]);
  await assert.rejects(gateway.createVolume({ Name: `${project}_data`, Driver: 'nonexistent-driver' }), EngineApiError);
  await gateway.removeNetwork(networkId);
  await gateway.removeVolume(`${project}_data`);
  assert.deepEqual(await gateway.listNetworks({ labels: [`com.docker.compose.project=${project}`] }), []);
  await assert.rejects(gateway.removeVolume(`${project}_data`), NotFoundError);
});

test('a failed pull is an EngineApiError naming the image', async () => {
  await assert.rejects(gateway.pullImage!('127.0.0.1:1/stack-none/missing:1', {}), (e: unknown) => {
    assert.ok(e instanceof EngineApiError, String(e));
    assert.match(e.message, /pull image 127\.0\.0\.1:1\/stack-none\/missing:1 failed/);
    return true;
  });
});

test('an absent unix socket is exit 69 naming the endpoint', async () => {
  await assert.rejects(openGateway({ host: 'unix:///nonexistent.sock', env: {} }), (e: unknown) => {
    assert.ok(e instanceof EngineUnreachableError, String(e));
    assert.equal(e.exitCode, 69);
    assert.match(e.message, /unix:\/\/\/nonexistent\.sock/);
    return true;
  });
});

test('a refused tcp port is exit 69 naming the endpoint', async () => {
  await assert.rejects(openGateway({ env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } }), (e: unknown) => {
    assert.ok(e instanceof EngineUnreachableError, String(e));
    assert.equal(e.exitCode, 69);
    assert.match(e.message, /tcp:\/\/127\.0\.0\.1:1/);
    return true;
  });
});

test('an engine that accepts but never answers is unreachable at first contact, within the deadline (exit 69)', async () => {
  const socketPath = join(tmp, 'silent.sock');
  const held: import('node:net').Socket[] = [];
  const server: Server = createServer((s) => held.push(s));
  await new Promise<void>((r) => server.listen(socketPath, r));
  try {
    await assert.rejects(openGateway({ host: `unix://${socketPath}`, env: {}, callTimeoutMs: 300 }), (e: unknown) => {
      // The first call (the ping) is bounded short and means "unreachable", not "an operation failed" (issue 12, item 11).
      assert.ok(e instanceof EngineUnreachableError, String(e));
      assert.match(e.message, /did not answer within/);
      return true;
    });
  } finally {
    for (const s of held) s.destroy();
    server.close();
  }
});

test('an ssh endpoint speaks HTTP over the stdio of the ssh command (here a local relay)', async () => {
  // No sshd here: the same code path runs with a relay to the local socket instead of `ssh`.
  const relay = `const s=require('net').connect('/var/run/docker.sock');process.stdin.pipe(s);s.pipe(process.stdout);`;
  const endpoint = { ...parseHost('ssh://tester@example.invalid'), source: 'flag' as const, contextName: 'default' };
  const viaSsh = new DockerGateway(endpoint, { transport: { sshCommand: () => ({ command: process.execPath, args: ['-e', relay] }) } });
  assert.equal(await viaSsh.negotiate(), gateway.apiVersion);
  const filter = { labels: [`com.docker.compose.project=${project}`] };
  const [overSsh, direct] = await Promise.all([viaSsh.listContainers(filter, { all: true }), gateway.listContainers(filter, { all: true })]);
  assert.deepEqual(overSsh.map((c) => c.id).sort(), direct.map((c) => c.id).sort());
  assert.equal((await viaSsh.info()).endpoint, 'ssh://tester@example.invalid');
});

test('a failing ssh command is exit 69 with its cause in words', async () => {
  const endpoint = { ...parseHost('ssh://tester@example.invalid'), source: 'flag' as const, contextName: 'default' };
  const failing = new DockerGateway(endpoint, {
    transport: { sshCommand: () => ({ command: 'sh', args: ['-c', 'echo "Host key verification failed." >&2; exit 255'] }) },
  });
  await assert.rejects(failing.negotiate(), (e: unknown) => {
    assert.ok(e instanceof EngineUnreachableError, String(e));
    // ssh's "Host key verification failed." read as what it means (issue 14, item 4).
    assert.match(e.message, /ssh:\/\/tester@example\.invalid: the host key of example\.invalid is not in known_hosts/);
    return true;
  });
});

test('the CLI exits 69 naming the endpoint when DOCKER_HOST points at nothing', async () => {
  const r = await runStack(['ls'], { env: { DOCKER_HOST: 'unix:///nonexistent.sock', DOCKER_CONTEXT: undefined } });
  assert.equal(r.code, 69, r.stderr);
  assert.match(r.stderr, /unix:\/\/\/nonexistent\.sock/);
});

test('every call goes through dockerode: its modem dials the ping, lists, log streams and exec upgrades', async () => {
  const viaModem = new DockerGateway(localSocket);
  const modem = viaModem.transport.docker.modem;
  assert.equal(typeof (viaModem.transport.docker as unknown as { getContainer?: unknown }).getContainer, 'function', "dockerode's Docker");
  const dialled: string[] = [];
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    dialled.push(`${options.method} ${options.path.split('?')[0]}`);
    dial(options, callback);
  };
  const api = await viaModem.negotiate();
  const id = await viaModem.createContainer(`${project}-modem-1`, body(['sh', '-c', 'echo via-modem; sleep 300']));
  await viaModem.startContainer(id);
  await viaModem.listContainers({ labels: [`com.docker.compose.project=${project}`] });
  const logs = (await drain(await viaModem.logs(id, { follow: false }))).toString('latin1');
  const { execId, stream } = await viaModem.exec(id, { cmd: ['true'], tty: true, attachStdin: false });
  await drain(stream.stream as unknown as Readable);
  assert.match(logs, /via-modem/);
  assert.deepEqual(dialled, [
    'GET /_ping',
    `POST /v${api}/containers/create`,
    `POST /v${api}/containers/${id}/start`,
    `GET /v${api}/containers/json`,
    `GET /v${api}/containers/${id}/logs`,
    `POST /v${api}/containers/${id}/exec`,
    `POST /v${api}/exec/${execId}/start`,
  ]);
});

test('docker-modem reads none of DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_CLIENT_TIMEOUT: the endpoint is ours and streams get no idle timeout', async () => {
  const names = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CLIENT_TIMEOUT'] as const;
  const saved = names.map((n) => [n, process.env[n]] as const);
  Object.assign(process.env, { DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(tmp, 'no-certs-here'), DOCKER_CLIENT_TIMEOUT: '200' });
  let shielded: DockerGateway;
  try {
    // Left to itself the modem would read certificates from DOCKER_CERT_PATH (ENOENT) here.
    shielded = new DockerGateway(localSocket);
    assert.equal(process.env.DOCKER_CLIENT_TIMEOUT, '200', 'the environment is restored');
  } finally {
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }
  await shielded.negotiate();
  const id = await gateway.createContainer(`${project}-quiet-2`, body(['sh', '-c', 'sleep 1; echo after-a-quiet-second']));
  await gateway.startContainer(id);
  assert.match((await drain(await shielded.logs(id, { follow: true }))).toString('latin1'), /after-a-quiet-second/);
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa', string> {
  const script = `
    set -e; cd "$1"
    key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }
    key ca.key; openssl req -x509 -new -key ca.key -out ca.pem -days 1 -subj /CN=stack-test-ca
    key other.key; openssl req -x509 -new -key other.key -out other.pem -days 1 -subj /CN=stack-other-ca
    for who in server client; do
      key $who.key; openssl req -new -key $who.key -out $who.csr -subj /CN=$who
    done
    printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
    printf 'extendedKeyUsage=clientAuth\\n' > client.ext
    for who in server client; do
      openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 1 -extfile $who.ext 2>/dev/null
    done`;
  execFileSync('sh', ['-c', script, 'sh', dir]);
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'), clientCert: read('client.pem'), clientKey: read('client.key'), otherCa: read('other.pem') };
}

test('a TLS endpoint is verified against its CA with the client certificate, and refused against another CA', async () => {
  const certs = makeCertificates(mkdtempSync(join(tmp, 'tls-')));
  // A TLS front for the local socket that demands a client certificate, as a TLS engine does.
  const server = createTlsServer({ cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true, rejectUnauthorized: true }, (s) => {
    const engine = connect('/var/run/docker.sock');
    s.pipe(engine).pipe(s);
    s.on('error', () => engine.destroy());
    engine.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const tcp = (tls: Endpoint['tls']): Endpoint => ({ kind: 'tcp', url: `tcp://127.0.0.1:${port}`, host: '127.0.0.1', port, tls, source: 'flag', contextName: 'default' });
  try {
    const verified = new DockerGateway(tcp({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, verify: true }));
    assert.equal(await verified.negotiate(), gateway.apiVersion);
    const filter = { labels: [`com.docker.compose.project=${project}`] };
    assert.deepEqual((await verified.listContainers(filter, { all: true })).map((c) => c.id).sort(), (await gateway.listContainers(filter, { all: true })).map((c) => c.id).sort());

    const wrongCa = new DockerGateway(tcp({ ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey, verify: true }));
    await assert.rejects(wrongCa.negotiate(), (e: unknown) => {
      assert.ok(e instanceof EngineUnreachableError, String(e));
      assert.match(e.message, new RegExp(`tcp://127\\.0\\.0\\.1:${port}`));
      return true;
    });

    // DOCKER_TLS without _VERIFY: encrypted, the server's certificate not checked.
    const unverified = new DockerGateway(tcp({ ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey, verify: false }));
    assert.equal(await unverified.negotiate(), gateway.apiVersion);
  } finally {
    server.close();
  }
});
