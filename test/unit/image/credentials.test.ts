// Registry credentials, found as the Docker CLI finds them: a temporary DOCKER_CONFIG per test
// and fake `docker-credential-<name>` programs on a temporary PATH (real processes speaking
// the helper protocol), never the machine's own ~/.docker.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { RegistryCredentials, RegistryCredential, type CredentialLookup } from '../../../src/image/credentials.js';
import { convertToHostname } from '../../../src/image/docker-config.js';
import { OperationError } from '../../../src/errors.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SECRET = 's3cr3t??~~';
const HUB = 'https://index.docker.io/v1/';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

interface Sandbox {
  readonly dir: string;
  readonly bin: string;
  readonly env: NodeJS.ProcessEnv;
  writeConfig(config: unknown): void;
  writeRawConfig(text: string): void;
  /** A fake helper answering `answers[url]`, else "credentials not found"; logs each URL it is asked. */
  helper(name: string, answers: Record<string, { Username: string; Secret: string }>): void;
  /** A helper with a custom /bin/sh body (after the URL was read into $url). */
  helperScript(name: string, body: string): void;
  /** The server URLs a helper was asked for, in order. */
  asked(name: string): string[];
}

function sandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'stack-cred-test-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  const config = join(dir, 'docker');
  mkdirSync(bin);
  mkdirSync(config);
  const env: NodeJS.ProcessEnv = { DOCKER_CONFIG: config, HOME: join(dir, 'home'), PATH: bin, ...extraEnv };
  const helperScript = (name: string, body: string): void => {
    const path = join(bin, `docker-credential-${name}`);
    writeFileSync(path, `#!/bin/sh\nread -r url || true\nprintf '%s\\n' "$url" >> '${join(dir, `${name}.log`)}'\n${body}\n`);
    chmodSync(path, 0o755);
  };
  return {
    dir,
    bin,
    env,
    writeConfig: (c) => writeFileSync(join(config, 'config.json'), JSON.stringify(c)),
    writeRawConfig: (t) => writeFileSync(join(config, 'config.json'), t),
    helperScript,
    helper(name, answers) {
      const cases = Object.entries(answers)
        .map(([url, a]) => `  '${url}') printf '%s' '${JSON.stringify({ ServerURL: url, ...a })}' ;;`)
        .join('\n');
      helperScript(name, `case "$url" in\n${cases}\n  *) printf 'credentials not found in native keychain\\n'; exit 1 ;;\nesac`);
    },
    asked(name) {
      const log = join(dir, `${name}.log`);
      return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : [];
    },
  };
}

function decodeHeader(header: string): string {
  assert.match(header, /^[A-Za-z0-9_-]*={0,2}$/, 'base64url alphabet');
  return Buffer.from(header, 'base64url').toString('utf8');
}

async function headerJson(s: Sandbox, image: string, options = {}): Promise<string> {
  const { header } = await new RegistryCredentials({ env: s.env, ...options }).registryAuthHeader(image);
  return decodeHeader(header);
}

test('an auths entry with auth gives the exact X-Registry-Auth of the Docker CLI (padded base64url of username, password, serveraddress)', async () => {
  const s = sandbox();
  s.writeConfig({ auths: { '127.0.0.1:5000': { auth: b64(`alice:${SECRET}`) } } });
  const { header, warnings } = await new RegistryCredentials({ env: s.env }).registryAuthHeader('127.0.0.1:5000/app:1');
  // python3: base64.urlsafe_b64encode(b'{"username":"alice","password":"s3cr3t??~~","serveraddress":"127.0.0.1:5000"}')
  assert.equal(header, 'eyJ1c2VybmFtZSI6ImFsaWNlIiwicGFzc3dvcmQiOiJzM2NyM3Q_P35-Iiwic2VydmVyYWRkcmVzcyI6IjEyNy4wLjAuMTo1MDAwIn0=');
  assert.equal(decodeHeader(header), `{"username":"alice","password":"${SECRET}","serveraddress":"127.0.0.1:5000"}`);
  assert.deepEqual(warnings, []);
});

test('an auths entry with an identity token sends it as identitytoken', async () => {
  const s = sandbox();
  s.writeConfig({ auths: { 'reg.example.com': { auth: b64('bob:'), identitytoken: 'tok-123' } } });
  // `docker login` with a token stores "user:" (empty password) beside the token.
  assert.equal(await headerJson(s, 'reg.example.com/x'), '{"username":"bob","serveraddress":"reg.example.com","identitytoken":"tok-123"}');
});

test('Docker Hub images use the https://index.docker.io/v1/ entry, not one written as docker.io', async () => {
  const s = sandbox();
  s.writeConfig({ auths: { [HUB]: { auth: b64('hubuser:hubpass') }, 'docker.io': { auth: b64('wrong:wrong') } } });
  assert.equal(await headerJson(s, 'busybox'), `{"username":"hubuser","password":"hubpass","serveraddress":"${HUB}"}`);
  assert.equal(await headerJson(s, 'docker.io/library/busybox:1'), `{"username":"hubuser","password":"hubpass","serveraddress":"${HUB}"}`);
});

test('an auths key written as a URL (https://host:port/v2/) serves that host, as the CLI tolerates', async () => {
  const s = sandbox();
  s.writeConfig({ auths: { 'https://127.0.0.1:5001/v2/': { auth: b64('carol:pw') } } });
  assert.equal(await headerJson(s, '127.0.0.1:5001/x'), '{"username":"carol","password":"pw","serveraddress":"https://127.0.0.1:5001/v2/"}');
  assert.equal(await headerJson(s, '127.0.0.1:5002/x'), '{}');
});

test('URLs become hosts as credentials.ConvertToHostname makes them', () => {
  assert.equal(convertToHostname('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(convertToHostname('http://127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(convertToHostname('https://user@reg.example.com:443/v2/'), 'reg.example.com:443');
  assert.equal(convertToHostname('reg.example.com/v1/'), 'reg.example.com');
  assert.equal(convertToHostname('reg.example.com'), 'reg.example.com');
});

test('no config file means anonymous: the header is {} and nothing is warned', async () => {
  const s = sandbox();
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('127.0.0.1:5000/x');
  assert.equal(lookup.credential.kind, 'anonymous');
  assert.deepEqual(lookup.source, { kind: 'none' });
  assert.equal(lookup.credential.authHeader(), 'e30=');
  assert.deepEqual(lookup.warnings, []);
});

test('a credHelpers helper is run with the server URL on stdin and its answer is used', async () => {
  const s = sandbox();
  s.writeConfig({ credHelpers: { '127.0.0.1:5000': 'fake' } });
  s.helper('fake', { '127.0.0.1:5000': { Username: 'dave', Secret: SECRET } });
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('127.0.0.1:5000/x');
  assert.deepEqual(lookup.source, { kind: 'helper', helper: 'fake' });
  assert.equal(decodeHeader(lookup.credential.authHeader()), `{"username":"dave","password":"${SECRET}","serveraddress":"127.0.0.1:5000"}`);
  assert.deepEqual(s.asked('fake'), ['127.0.0.1:5000']);
});

test('credHelpers for the host wins over credsStore, which is then not asked', async () => {
  const s = sandbox();
  s.writeConfig({ credsStore: 'store', credHelpers: { 'reg.example.com': 'perhost' } });
  s.helper('store', { 'reg.example.com': { Username: 'fromstore', Secret: 'x' } });
  s.helper('perhost', { 'reg.example.com': { Username: 'fromhelper', Secret: 'y' } });
  assert.equal(await headerJson(s, 'reg.example.com/x'), '{"username":"fromhelper","password":"y","serveraddress":"reg.example.com"}');
  assert.deepEqual(s.asked('store'), []);
});

test('credsStore serves the hosts credHelpers does not name, and Docker Hub under its key', async () => {
  const s = sandbox();
  s.writeConfig({ credsStore: 'store', credHelpers: { 'reg.example.com': 'perhost' } });
  s.helper('store', { 'other.example.com': { Username: 'o', Secret: 'p' }, [HUB]: { Username: 'h', Secret: 'q' } });
  const credentials = new RegistryCredentials({ env: s.env });
  assert.equal(decodeHeader((await credentials.registryAuthHeader('other.example.com/x')).header), '{"username":"o","password":"p","serveraddress":"other.example.com"}');
  assert.equal(decodeHeader((await credentials.registryAuthHeader('busybox')).header), `{"username":"h","password":"q","serveraddress":"${HUB}"}`);
  assert.deepEqual(s.asked('store'), ['other.example.com', HUB]);
});

test('a helper wins over auths: its answer replaces the entry, and its "not found" means anonymous', async () => {
  const s = sandbox();
  s.writeConfig({ credsStore: 'store', auths: { 'a.example.com': { auth: b64('file:filepw') }, 'b.example.com': { auth: b64('file:filepw') } } });
  s.helper('store', { 'a.example.com': { Username: 'helper', Secret: 'helperpw' } });
  assert.equal(await headerJson(s, 'a.example.com/x'), '{"username":"helper","password":"helperpw","serveraddress":"a.example.com"}');
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('b.example.com/x');
  assert.equal(lookup.credential.kind, 'anonymous');
  assert.deepEqual(lookup.warnings, []);
});

test('a helper answering the <token> username gives an identity token', async () => {
  const s = sandbox();
  s.writeConfig({ credHelpers: { 'reg.example.com': 'fake' } });
  s.helper('fake', { 'reg.example.com': { Username: '<token>', Secret: 'refresh-token-1' } });
  assert.equal(await headerJson(s, 'reg.example.com/x'), '{"serveraddress":"reg.example.com","identitytoken":"refresh-token-1"}');
});

test('a missing helper gives a warning naming the program, and the lookup goes on anonymously', async () => {
  const s = sandbox();
  s.writeConfig({ credsStore: 'desktop', auths: { 'reg.example.com': {} } });
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('reg.example.com/x');
  assert.equal(lookup.credential.kind, 'anonymous');
  assert.deepEqual(lookup.warnings, [
    'docker-credential-desktop (credsStore in the Docker config) is not installed or not on PATH; reg.example.com is used anonymously',
  ]);
});

test('a failing helper gives a warning with its exit code, never what it printed', async () => {
  const s = sandbox();
  s.writeConfig({ credHelpers: { 'reg.example.com': 'broken' } });
  s.helperScript('broken', `printf '%s' '${SECRET}'; printf '%s' '${SECRET}' >&2; exit 3`);
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('reg.example.com/x');
  assert.equal(lookup.credential.kind, 'anonymous');
  assert.deepEqual(lookup.warnings, ['credential helper docker-credential-broken exited with code 3; reg.example.com is used anonymously']);
});

test('a helper that answers something other than JSON is a failure, and its answer is not quoted', async () => {
  const s = sandbox();
  s.writeConfig({ credHelpers: { 'reg.example.com': 'garbled' } });
  s.helperScript('garbled', `printf 'Username=x Secret=${SECRET}'`);
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('reg.example.com/x');
  assert.deepEqual(lookup.warnings, ['credential helper docker-credential-garbled answered with something that is not JSON; reg.example.com is used anonymously']);
});

test('a helper that never answers is killed after the timeout and the lookup goes on anonymously', async () => {
  const s = sandbox();
  s.writeConfig({ credHelpers: { 'reg.example.com': 'stuck' } });
  s.helperScript('stuck', 'exec /bin/sleep 60');
  const lookup = await new RegistryCredentials({ env: s.env, helperTimeoutMs: 300 }).forImage('reg.example.com/x');
  assert.equal(lookup.credential.kind, 'anonymous');
  assert.match(lookup.warnings[0] ?? '', /^credential helper docker-credential-stuck did not answer within 0 s; /);
});

test('concurrent lookups of one registry run its helper once; another registry is asked separately', async () => {
  const s = sandbox();
  s.writeConfig({ credsStore: 'store' });
  s.helper('store', { 'a.example.com': { Username: 'u', Secret: 'p' } });
  const credentials = new RegistryCredentials({ env: s.env });
  const lookups = await Promise.all([
    credentials.forImage('a.example.com/x'),
    credentials.forImage('a.example.com/y:2'),
    credentials.forImage('a.example.com/z'),
    credentials.forImage('b.example.com/z'),
  ]);
  assert.deepEqual(lookups.map((l) => l.credential.kind), ['password', 'password', 'password', 'anonymous']);
  assert.deepEqual(s.asked('store').sort(), ['a.example.com', 'b.example.com']);
});

test('DOCKER_AUTH_CONFIG comes first, by exact key, before helpers and auths', async () => {
  const s = sandbox();
  s.writeConfig({ credsStore: 'store', auths: { 'reg.example.com': { auth: b64('file:pw') } } });
  s.helper('store', { 'reg.example.com': { Username: 'helper', Secret: 'pw' } });
  s.env.DOCKER_AUTH_CONFIG = JSON.stringify({ auths: { 'reg.example.com': { auth: b64('envuser:envpw') } } });
  assert.equal(await headerJson(s, 'reg.example.com/x'), '{"username":"envuser","password":"envpw","serveraddress":"reg.example.com"}');
  assert.deepEqual(s.asked('store'), []);
});

test('a DOCKER_AUTH_CONFIG with an unknown field is ignored as a whole, with a warning', async () => {
  const s = sandbox({ DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { 'reg.example.com': { auth: b64(`u:${SECRET}`) } }, extra: 1 }) });
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('reg.example.com/x');
  assert.equal(lookup.credential.kind, 'anonymous');
  assert.deepEqual(lookup.warnings, ['DOCKER_AUTH_CONFIG is ignored: unknown field "extra"']);
});

test('a config file that is not JSON is reported by position only (V8 quotes the text near the error)', async () => {
  const s = sandbox();
  s.writeRawConfig(`{"auths": {"reg.example.com": {"auth": "${b64(`u:${SECRET}`)}" ,, }}}`);
  const lookup = await new RegistryCredentials({ env: s.env }).forImage('reg.example.com/x');
  assert.equal(lookup.credential.kind, 'anonymous');
  assert.equal(lookup.warnings.length, 1);
  assert.match(lookup.warnings[0]!, /config\.json is not valid JSON \(at character \d+\); registries are used without credentials from it$/);
});

test('an auth value that is not base64 of user:password drops that entry only, naming its key', async () => {
  const s = sandbox();
  s.writeConfig({ auths: { 'bad.example.com': { auth: `${SECRET}!` }, 'good.example.com': { auth: b64('g:pw') } } });
  const credentials = new RegistryCredentials({ env: s.env });
  const bad = await credentials.forImage('bad.example.com/x');
  assert.equal(bad.credential.kind, 'anonymous');
  assert.match(bad.warnings[0] ?? '', /auths\["bad\.example\.com"\]: "auth" is not base64 of "user:password"; this entry is ignored$/);
  assert.equal((await credentials.forImage('good.example.com/x')).credential.kind, 'password');
  assert.deepEqual(credentials.warnings(), bad.warnings);
});

test('with no credentials settings at all, the platform default helper is used when installed (pass before secretservice)', async () => {
  const s = sandbox();
  s.writeConfig({ psFormat: 'table' });
  s.helper('secretservice', { 'reg.example.com': { Username: 'ss', Secret: 'pw' } });
  assert.equal(await headerJson(s, 'reg.example.com/x', { platform: 'linux' }), '{"username":"ss","password":"pw","serveraddress":"reg.example.com"}');
  s.helper('pass', { 'reg.example.com': { Username: 'pass', Secret: 'pw' } });
  // the `pass` program itself (its presence is what makes the CLI prefer docker-credential-pass)
  writeFileSync(join(s.bin, 'pass'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(s.bin, 'pass'), 0o755);
  assert.equal(await headerJson(s, 'reg.example.com/x', { platform: 'linux' }), '{"username":"pass","password":"pw","serveraddress":"reg.example.com"}');
});

test('a config with any auths entry does not fall back to a default helper', async () => {
  const s = sandbox();
  s.writeConfig({ auths: { 'other.example.com': {} } });
  s.helper('secretservice', { 'reg.example.com': { Username: 'ss', Secret: 'pw' } });
  assert.equal(await headerJson(s, 'reg.example.com/x', { platform: 'linux' }), '{}');
  assert.deepEqual(s.asked('secretservice'), []);
});

test('registry keys named __proto__ or constructor are plain keys', async () => {
  const s = sandbox();
  s.writeRawConfig(`{"auths": {"__proto__": {"auth": "${b64('p:q')}"}, "constructor": {}}, "credHelpers": {"__proto__": "nothere"}}`);
  const credentials = new RegistryCredentials({ env: s.env });
  const proto = await credentials.forKey('__proto__');
  // its helper is missing, so (as the CLI does) the auths entry under the same key is used
  assert.equal(proto.credential.kind, 'password');
  assert.match(proto.warnings[0] ?? '', /^docker-credential-nothere \(credHelpers in the Docker config\) is not installed/);
  assert.equal((await credentials.forKey('constructor')).credential.kind, 'anonymous');
  assert.equal((await credentials.forKey('toString')).credential.kind, 'anonymous');
  assert.equal(({} as Record<string, unknown>)['auth'], undefined, 'Object.prototype untouched');
});

test('the build header maps each registry of the build\'s images to its credential, anonymous ones left out', async () => {
  const s = sandbox();
  s.writeConfig({ auths: { [HUB]: { auth: b64('hub:h') }, 'reg.example.com': { auth: b64('r:p') } } });
  const { header, warnings } = await new RegistryCredentials({ env: s.env }).buildRegistryConfig([
    'busybox',
    'reg.example.com/base:1',
    'reg.example.com/other',
    'anon.example.com/x',
    'Not A Reference',
  ]);
  assert.equal(
    decodeHeader(header),
    `{"${HUB}":{"username":"hub","password":"h","serveraddress":"${HUB}"},"reg.example.com":{"username":"r","password":"p","serveraddress":"reg.example.com"}}`,
  );
  assert.deepEqual(warnings, []);
});

test('an image that is no reference is refused with an OperationError', async () => {
  const s = sandbox();
  await assert.rejects(new RegistryCredentials({ env: s.env }).forImage('Bad/Image:x'), OperationError);
});

test('no secret shows in warnings, String(), JSON, util.inspect or an error message built from a lookup', async () => {
  const s = sandbox();
  const token = 'idtok-SECRET-42';
  s.writeConfig({
    credHelpers: { 'h.example.com': 'fake', 'broken.example.com': 'broken', 'missing.example.com': 'nothere' },
    auths: { 'f.example.com': { auth: b64(`fuser:${SECRET}`) }, 't.example.com': { auth: b64('tuser:'), identitytoken: token }, 'bad.example.com': { auth: `${SECRET}` } },
  });
  s.helper('fake', { 'h.example.com': { Username: 'huser', Secret: SECRET } });
  s.helperScript('broken', `printf '%s' '${SECRET}'; exit 1`);
  const credentials = new RegistryCredentials({ env: s.env });
  const lookups: CredentialLookup[] = [];
  for (const host of ['h.example.com', 'broken.example.com', 'missing.example.com', 'f.example.com', 't.example.com', 'bad.example.com']) {
    lookups.push(await credentials.forImage(`${host}/x`));
  }
  assert.deepEqual(lookups.map((l) => l.credential.kind), ['password', 'anonymous', 'anonymous', 'password', 'identity-token', 'anonymous']);
  const shown = [
    ...credentials.warnings(),
    ...lookups.flatMap((l) => [
      String(l.credential),
      `${l.credential}`,
      JSON.stringify(l),
      inspect(l, { depth: 10, showHidden: true }),
      new Error(`pull failed with ${l.credential}`).message,
    ]),
  ].join('\n');
  for (const secret of [SECRET, token, b64(`fuser:${SECRET}`), 'fuser', 'huser']) {
    assert.ok(!shown.includes(secret), `"${secret}" leaked into: ${shown}`);
  }
  assert.match(shown, /RegistryCredential\(password for h\.example\.com\)/);
});

test('a credential built by hand redacts the same way', () => {
  const credential = RegistryCredential.fromFields({ serverAddress: 'r', username: 'u', password: SECRET });
  assert.equal(String(credential), 'RegistryCredential(password for r)');
  assert.equal(JSON.stringify({ credential }), '{"credential":{"kind":"password","serverAddress":"r"}}');
  assert.ok(!inspect(credential, { showHidden: true, depth: 5 }).includes(SECRET));
});
