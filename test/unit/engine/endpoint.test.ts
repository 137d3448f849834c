import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextDirName, parseHost, resolveEndpoint, sshCommand, type FileReader } from '../../../src/engine/endpoint.js';
import { UsageError } from '../../../src/errors.js';
import { compareApiVersions, negotiateApiVersion, parseStatusText, parseJsonLines, classify } from '../../../src/engine/docker-gateway.js';
import { ConflictError, EngineApiError, NotFoundError } from '../../../src/errors.js';

const HOME = '/home/u';

function files(map: Record<string, string>): FileReader {
  return { homeDir: HOME, readFile: (p) => (Object.prototype.hasOwnProperty.call(map, p) ? map[p] : undefined) };
}

function contextMeta(name: string, host: string, skipTlsVerify = false): Record<string, string> {
  return {
    [`${HOME}/.docker/contexts/meta/${contextDirName(name)}/meta.json`]: JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: skipTlsVerify } },
    }),
  };
}

test('with nothing set, the endpoint is the default unix socket', () => {
  const e = resolveEndpoint({}, {}, files({}));
  assert.equal(e.kind, 'unix');
  assert.equal(e.socketPath, '/var/run/docker.sock');
  assert.equal(e.url, 'unix:///var/run/docker.sock');
  assert.equal(e.source, 'default');
});

test('DOCKER_HOST with a unix socket is used as-is', () => {
  const e = resolveEndpoint({}, { DOCKER_HOST: 'unix:///run/user/1000/podman/podman.sock' }, files({}));
  assert.equal(e.kind, 'unix');
  assert.equal(e.socketPath, '/run/user/1000/podman/podman.sock');
  assert.equal(e.source, 'env');
});

test('--host wins over DOCKER_HOST', () => {
  const e = resolveEndpoint({ host: 'tcp://flag.example:2375' }, { DOCKER_HOST: 'tcp://env.example:2375' }, files({}));
  assert.equal(e.host, 'flag.example');
  assert.equal(e.source, 'flag');
});

test('--host and --context together are refused, as by the Docker CLI', () => {
  assert.throws(() => resolveEndpoint({ host: 'tcp://a:1', context: 'x' }, {}, files({})), UsageError);
});

test('a tcp host without a port gets 2375 and stays plain HTTP without DOCKER_TLS_VERIFY', () => {
  const e = resolveEndpoint({}, { DOCKER_HOST: 'tcp://build.example' }, files({}));
  assert.deepEqual([e.kind, e.host, e.port, e.tls], ['tcp', 'build.example', 2375, undefined]);
});

test('a bare host:port is read as tcp', () => {
  const e = parseHost('10.0.0.5:4243');
  assert.deepEqual([e.kind, e.host, e.port, e.url], ['tcp', '10.0.0.5', 4243, 'tcp://10.0.0.5:4243']);
});

test('DOCKER_TLS_VERIFY=yes on a port other than 2376 turns TLS on with verification and client certificates', () => {
  // docker-modem only honours "1" or port 2376 (TRAPS); the Docker CLI takes any non-empty value.
  const e = resolveEndpoint(
    {},
    { DOCKER_HOST: 'tcp://secure.example:9999', DOCKER_TLS_VERIFY: 'yes', DOCKER_CERT_PATH: '/certs' },
    files({ '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' }),
  );
  assert.equal(e.port, 9999);
  assert.deepEqual(e.tls, { verify: true, dir: '/certs', ca: 'CA', cert: 'CERT', key: 'KEY' });
});

test('DOCKER_TLS_VERIFY=0 still means TLS on: any non-empty value counts', () => {
  const e = resolveEndpoint({}, { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '0', DOCKER_CERT_PATH: '/c' }, files({ '/c/ca.pem': 'CA' }));
  assert.equal(e.tls?.verify, true);
});

test('TLS certificates default to ~/.docker when DOCKER_CERT_PATH is unset', () => {
  const e = resolveEndpoint(
    {},
    { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' },
    files({ [`${HOME}/.docker/ca.pem`]: 'CA', [`${HOME}/.docker/cert.pem`]: 'C', [`${HOME}/.docker/key.pem`]: 'K' }),
  );
  assert.deepEqual(e.tls, { verify: true, dir: `${HOME}/.docker`, ca: 'CA', cert: 'C', key: 'K' });
});

test('DOCKER_TLS without _VERIFY gives TLS without verification', () => {
  const e = resolveEndpoint({}, { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS: '1' }, files({}));
  assert.deepEqual(e.tls, { verify: false, dir: `${HOME}/.docker` });
});

test('verification without a CA certificate is a usage error naming the missing file', () => {
  assert.throws(
    () => resolveEndpoint({}, { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nope' }, files({})),
    (e: unknown) => e instanceof UsageError && e.message.includes('/nope/ca.pem'),
  );
});

test('TLS on and no host means tcp://localhost:2376, like the CLI', () => {
  const e = resolveEndpoint({}, { DOCKER_TLS_VERIFY: '1' }, files({ [`${HOME}/.docker/ca.pem`]: 'CA' }));
  assert.deepEqual([e.kind, e.host, e.port], ['tcp', 'localhost', 2376]);
});

test('TLS variables do not affect a unix socket', () => {
  const e = resolveEndpoint({}, { DOCKER_HOST: 'unix:///s.sock', DOCKER_TLS_VERIFY: '1' }, files({}));
  assert.equal(e.tls, undefined);
});

test('currentContext in config.json selects that context from the store', () => {
  const e = resolveEndpoint(
    {},
    {},
    files({ [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'remote' }), ...contextMeta('remote', 'tcp://remote.example:2375') }),
  );
  assert.deepEqual([e.kind, e.host, e.port, e.source, e.contextName], ['tcp', 'remote.example', 2375, 'context', 'remote']);
});

test('DOCKER_CONTEXT wins over currentContext, and DOCKER_CONFIG moves the store', () => {
  const store: Record<string, string> = {
    '/cfg/config.json': JSON.stringify({ currentContext: 'a' }),
    [`/cfg/contexts/meta/${contextDirName('b')}/meta.json`]: JSON.stringify({ Endpoints: { docker: { Host: 'unix:///b.sock' } } }),
  };
  const e = resolveEndpoint({}, { DOCKER_CONTEXT: 'b', DOCKER_CONFIG: '/cfg' }, files(store));
  assert.equal(e.socketPath, '/b.sock');
});

test('DOCKER_HOST wins over DOCKER_CONTEXT and currentContext', () => {
  const e = resolveEndpoint(
    {},
    { DOCKER_HOST: 'unix:///env.sock', DOCKER_CONTEXT: 'remote' },
    files({ [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'remote' }), ...contextMeta('remote', 'tcp://remote.example:2375') }),
  );
  assert.equal(e.socketPath, '/env.sock');
});

test('--context wins over DOCKER_HOST', () => {
  const e = resolveEndpoint({ context: 'remote' }, { DOCKER_HOST: 'unix:///env.sock' }, files(contextMeta('remote', 'ssh://me@remote.example')));
  assert.equal(e.kind, 'ssh');
});

test('the context named default is the default socket even when currentContext says otherwise', () => {
  const e = resolveEndpoint({ context: 'default' }, {}, files({ [`${HOME}/.docker/config.json`]: JSON.stringify({ currentContext: 'x' }) }));
  assert.equal(e.socketPath, '/var/run/docker.sock');
});

test('a context with TLS material uses it from contexts/tls/<sha256>/docker', () => {
  const dir = `${HOME}/.docker/contexts/tls/${contextDirName('prod')}/docker`;
  const e = resolveEndpoint(
    { context: 'prod' },
    {},
    files({ ...contextMeta('prod', 'tcp://prod.example:2376'), [`${dir}/ca.pem`]: 'CA', [`${dir}/cert.pem`]: 'C', [`${dir}/key.pem`]: 'K' }),
  );
  assert.deepEqual(e.tls, { verify: true, dir, ca: 'CA', cert: 'C', key: 'K' });
});

test('a context with SkipTLSVerify uses TLS without verification', () => {
  const e = resolveEndpoint({ context: 'lab' }, {}, files(contextMeta('lab', 'tcp://lab.example:2376', true)));
  assert.deepEqual(e.tls, { verify: false, dir: `${HOME}/.docker/contexts/tls/${contextDirName('lab')}/docker` });
});

test('an unknown context is a usage error naming it', () => {
  assert.throws(() => resolveEndpoint({ context: 'ghost' }, {}, files({})), (e: unknown) => e instanceof UsageError && e.message.includes('"ghost"'));
});

test('the context store directory is the sha256 of the name', () => {
  assert.equal(contextDirName('default'), '37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
});

test('ssh addresses keep user and port, and a path is refused', () => {
  const e = parseHost('ssh://deploy@build.example:2222');
  assert.deepEqual(e.ssh, { user: 'deploy', host: 'build.example', port: 2222 });
  assert.equal(e.url, 'ssh://deploy@build.example:2222');
  assert.throws(() => parseHost('ssh://h/var/run/docker.sock'), UsageError);
  assert.throws(() => parseHost('ssh://me:secret@h'), UsageError);
});

test('the ssh command checks host keys strictly and never prompts', () => {
  const { command, args } = sshCommand({ user: 'deploy', host: 'build.example', port: 2222 });
  assert.equal(command, 'ssh');
  assert.ok(args.includes('StrictHostKeyChecking=yes'));
  assert.ok(args.includes('BatchMode=yes'));
  assert.deepEqual(args.slice(args.indexOf('--')), ['--', 'build.example', 'docker', 'system', 'dial-stdio']);
  assert.deepEqual(args.slice(args.indexOf('-l'), args.indexOf('-l') + 4), ['-l', 'deploy', '-p', '2222']);
});

test('unsupported schemes are usage errors', () => {
  assert.throws(() => parseHost('http://h:2375'), UsageError);
  assert.throws(() => parseHost('npipe:////./pipe/docker_engine'), UsageError);
  assert.throws(() => parseHost('tcp://h:notaport'), UsageError);
});

// ---- pure parts of the gateway ----

test('the API version is min(server, ours) and never below the server minimum', () => {
  assert.equal(negotiateApiVersion({ ApiVersion: '1.41', MinAPIVersion: '1.12' }, 'e'), '1.41');
  assert.equal(negotiateApiVersion({ ApiVersion: '1.52', MinAPIVersion: '1.44' }, 'e'), '1.47');
  assert.throws(() => negotiateApiVersion({ ApiVersion: '1.60', MinAPIVersion: '1.50' }, 'e'), EngineApiError);
  assert.ok(compareApiVersions('1.9', '1.10') < 0);
});

test('status text gives health and exit code', () => {
  assert.deepEqual(parseStatusText('Up 3 seconds (healthy)'), { health: 'healthy' });
  assert.deepEqual(parseStatusText('Up 1 second (health: starting)'), { health: 'starting' });
  assert.deepEqual(parseStatusText('Up 2 minutes (unhealthy)'), { health: 'unhealthy' });
  assert.deepEqual(parseStatusText('Exited (3) 2 seconds ago'), { exitCode: 3 });
  assert.deepEqual(parseStatusText('Restarting (1) Less than a second ago'), { exitCode: 1 });
  assert.deepEqual(parseStatusText('Created'), {});
});

test('errors are classified by status code, not by message', () => {
  const subject = { operation: 'create', resource: { kind: 'container' as const, name: 'demo-web-1' } };
  assert.ok(classify(subject, 404, Buffer.from('{"message":"conflict everywhere"}')) instanceof NotFoundError);
  const conflict = classify(subject, 409, Buffer.from(''));
  assert.ok(conflict instanceof ConflictError);
  assert.match(conflict.message, /create container demo-web-1 failed: HTTP 409/);
  const other = classify(subject, 500, Buffer.from('{"message":"No such container"}'));
  assert.ok(!(other instanceof NotFoundError) && other instanceof EngineApiError);
  assert.equal(other.statusCode, 500);
});

test('JSON lines split across chunks (and inside a UTF-8 character) are reassembled', async () => {
  const text = Buffer.from('{"a":"é"}\n{"b":2}\n{"c":3}');
  async function* chunks() {
    yield text.subarray(0, 7); // splits the two bytes of é
    yield text.subarray(7, 12);
    yield text.subarray(12);
  }
  const out: unknown[] = [];
  for await (const v of parseJsonLines(chunks())) out.push(v);
  assert.deepEqual(out, [{ a: 'é' }, { b: 2 }, { c: 3 }]);
});
