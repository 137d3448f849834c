// ServiceSpec → POST /containers/create body, and what the canonical spec (config hash)
// does and does not include.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContainerCreateBody, canonicalServiceSpec, specHash } from '../../../src/planner/index.js';
import { canonicalHash } from '../../../src/model/hash.js';
import { COMPOSE, STACK } from '../../../src/api/labels.js';
import type { ServiceSpec, StackModel } from '../../../src/model/types.js';
import {
  anonymousMount,
  attachment,
  bindMount,
  dependsOn,
  model,
  namedVolumeMount,
  service,
  volumeSpec,
} from '../../helpers/planner-fixtures.js';

type Host = Record<string, unknown>;

/** Bodies use null-prototype maps for user-keyed data; compare them as the JSON they become. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

function body(s: ServiceSpec, m: StackModel = model({ services: [s] }), number = 1) {
  const b = buildContainerCreateBody(m, s, number);
  return { body: b, host: (b.HostConfig ?? {}) as Host };
}

test('environment becomes sorted K=V entries', () => {
  const { body: b } = body(service('app', { environment: { ZED: '1', ALPHA: 'a=b' } }));
  assert.deepEqual(b.Env, ['ALPHA=a=b', 'ZED=1']);
});

test('command, entrypoint, working dir, user, hostname, tty and stdin are passed through', () => {
  const { body: b } = body(
    service('app', { command: ['httpd', '-f'], entrypoint: ['/bin/sh', '-c'], workingDir: '/srv', user: '1000', hostname: 'h', tty: true, stdinOpen: true }),
  );
  assert.deepEqual(
    [b.Cmd, b.Entrypoint, b.WorkingDir, b.User, b.Hostname, b.Tty, b.OpenStdin],
    [['httpd', '-f'], ['/bin/sh', '-c'], '/srv', '1000', 'h', true, true],
  );
});

test('an explicitly empty command is kept empty rather than dropped', () => {
  const { body: b } = body(service('app', { command: [] }));
  assert.deepEqual(b.Cmd, []);
});

test('ports: exposed, bound on all interfaces unless a host IP is given, several bindings per port allowed', () => {
  const { body: b, host } = body(
    service('app', {
      ports: [
        { target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' },
        { target: 80, published: '8081', hostIp: '127.0.0.1', protocol: 'tcp', mode: 'ingress' },
        { target: 53, protocol: 'udp', mode: 'ingress' },
      ],
      expose: ['9000-9001'],
    }),
  );
  assert.deepEqual(Object.keys(b.ExposedPorts!).sort(), ['53/udp', '80/tcp', '9000/tcp', '9001/tcp']);
  assert.deepEqual(plain(host.PortBindings), {
    '80/tcp': [
      { HostIp: '', HostPort: '8080' },
      { HostIp: '127.0.0.1', HostPort: '8081' },
    ],
    '53/udp': [{ HostIp: '', HostPort: '' }],
  });
});

test('named volumes mount by engine name, anonymous ones by their deterministic name, short binds go to Binds, tmpfs to Mounts', () => {
  const s = service('db', {
    mounts: [
      namedVolumeMount('data', '/var/lib/db', { readOnly: true }),
      anonymousMount('/cache'),
      bindMount('/home/me/src', '/src', true),
      { type: 'bind', source: '/etc/conf', target: '/conf', readOnly: false, bind: { createHostPath: false } },
      { type: 'tmpfs', target: '/tmp', readOnly: false, tmpfs: { size: 1024 } },
    ],
  });
  const m = model({ services: [s], volumes: [volumeSpec('demo', 'data', { name: 'custom-data' })] });
  const { host } = body(s, m, 2);
  assert.deepEqual(host.Binds, ['/home/me/src:/src:ro']);
  assert.deepEqual(host.Mounts, [
    { Type: 'volume', Target: '/var/lib/db', ReadOnly: true, Source: 'custom-data' },
    { Type: 'volume', Target: '/cache', Source: 'demo_db-2_anon_4f7cfe6fcd42' },
    { Type: 'bind', Target: '/conf', Source: '/etc/conf' },
    { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 1024 } },
  ]);
});

test('host config: restart policy, init, caps, ulimits, sysctls, logging, limits, dns, hosts, devices, security', () => {
  const { host } = body(
    service('app', {
      restart: 'on-failure:3',
      init: true,
      capAdd: ['NET_ADMIN'],
      capDrop: ['ALL'],
      ulimits: Object.assign(Object.create(null), { nofile: { soft: 1024, hard: 2048 } }),
      sysctls: Object.assign(Object.create(null), { 'net.core.somaxconn': '1024' }),
      logging: { driver: 'json-file', options: Object.assign(Object.create(null), { 'max-size': '1m' }) },
      shmSize: 67108864,
      resources: { memory: 268435456, cpus: 0.5, pids: 100 },
      extraHosts: ['db.local=10.0.0.2', 'x:10.0.0.3'],
      dns: ['1.1.1.1'],
      devices: [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' }],
      privileged: true,
      readOnly: true,
      securityOpt: ['no-new-privileges:true'],
      tmpfs: ['/run:size=10m'],
    }),
  );
  assert.deepEqual(host.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(host.Init, true);
  assert.deepEqual([host.CapAdd, host.CapDrop], [['NET_ADMIN'], ['ALL']]);
  assert.deepEqual(host.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.deepEqual(host.Sysctls, { 'net.core.somaxconn': '1024' });
  assert.deepEqual(host.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m' } });
  assert.deepEqual([host.ShmSize, host.Memory, host.NanoCpus, host.PidsLimit], [67108864, 268435456, 500000000, 100]);
  assert.deepEqual(host.ExtraHosts, ['db.local:10.0.0.2', 'x:10.0.0.3']);
  assert.deepEqual(host.Dns, ['1.1.1.1']);
  assert.deepEqual(host.Devices, [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }]);
  assert.deepEqual([host.Privileged, host.ReadonlyRootfs, host.SecurityOpt], [true, true, ['no-new-privileges:true']]);
  assert.deepEqual(plain(host.Tmpfs), { '/run': 'size=10m' });
});

test('healthcheck, stop signal and stop grace period (whole seconds, as Compose)', () => {
  const { body: b } = body(
    service('app', {
      healthcheck: { test: ['CMD-SHELL', 'true'], interval: 2e9, timeout: 1e9, retries: 3, startPeriod: 5e9 },
      stopSignal: 'SIGINT',
      stopGracePeriod: 1.5e9,
    }),
  );
  assert.deepEqual(b.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 2e9, Timeout: 1e9, Retries: 3, StartPeriod: 5e9 });
  assert.equal(b.StopSignal, 'SIGINT');
  assert.equal(b.StopTimeout, 1);
  const { body: disabled } = body(service('app', { healthcheckDisabled: true }));
  assert.deepEqual(disabled.Healthcheck, { Test: ['NONE'] });
});

test('the container is created on one network with the service name as alias; network_mode service:x points at its container', () => {
  const s = service('api', { networks: { back: attachment({ aliases: ['backend'], ipv4Address: '10.1.0.5' }) } });
  const { body: b, host } = body(s);
  assert.equal(host.NetworkMode, 'demo_back');
  assert.deepEqual(b.NetworkingConfig, { EndpointsConfig: { demo_back: { Aliases: ['api', 'backend'], IPAMConfig: { IPv4Address: '10.1.0.5' } } } });
  const sidecar = service('sidecar', { networkMode: 'service:api' });
  const m = model({ services: [s, sidecar] });
  const side = body(sidecar, m);
  assert.equal(side.host.NetworkMode, 'container:demo-api-1');
  assert.equal(side.body.NetworkingConfig, undefined);
});

test('container_name replaces the generated name in network_mode references', () => {
  const api = service('api', { containerName: 'the-api' });
  const sidecar = service('sidecar', { networkMode: 'service:api', volumesFrom: ['api:ro'] });
  const { host } = body(sidecar, model({ services: [api, sidecar] }));
  assert.equal(host.NetworkMode, 'container:the-api');
  assert.deepEqual(host.VolumesFrom, ['the-api:ro']);
});

test('a container carries the labels Compose reads: a numeric version (1.29 parses it) and a config-hash (v2 lists by it) holding our own hash', () => {
  const { body: b } = body(service('app'));
  assert.match(b.Labels![COMPOSE.version]!, /^\d+(\.\d+)*$/);
  assert.equal(b.Labels![COMPOSE.configHash], b.Labels![STACK.configHash]);
  assert.equal(b.Labels![COMPOSE.containerNumber], '1');
  assert.equal(b.Labels![COMPOSE.oneoff], 'False');
});

test('service labels are kept beside the identity labels', () => {
  const { body: b } = body(service('app', { labels: { 'com.example.team': 'core' }, dependsOn: { db: dependsOn('service_healthy', { restart: true }), cache: dependsOn() } }));
  assert.equal(b.Labels!['com.example.team'], 'core');
  assert.equal(b.Labels![COMPOSE.dependsOn], 'cache:service_started:false,db:service_healthy:true');
  assert.equal(b.Labels![STACK.managed], 'true');
});

test('the config hash ignores scale, profiles, depends_on, watch, attach, pull policy and env_file paths', () => {
  const m = model({ services: [service('app')] });
  const base = specHash(canonicalServiceSpec(m, service('app')));
  const same = service('app', {
    scale: 3,
    profiles: ['debug'],
    dependsOn: { db: dependsOn('service_healthy') },
    attach: false,
    pullPolicy: 'always',
    envFiles: [{ path: '/x/.env', required: true }],
    watch: [{ action: 'sync', path: '/src', target: '/app', ignore: [], include: [], initialSync: false }],
  });
  assert.equal(specHash(canonicalServiceSpec(m, same)), base);
});

test('the config hash of a spec is the hash of its canonical JSON, as it was before it was kept with the spec', () => {
  const m = model({ services: [service('app', { environment: { B: '2', A: '1' }, labels: { '10': 'x', '2': 'y' } })] });
  const spec = canonicalServiceSpec(m, m.services['app']!);
  assert.equal(specHash(spec), canonicalHash(spec));
  assert.equal(specHash({ ...spec }), canonicalHash(spec));
});

test('the config hash changes with anything that changes the container', () => {
  const m = model({ services: [service('app')] });
  const base = specHash(canonicalServiceSpec(m, service('app')));
  const variants: ServiceSpec[] = [
    service('app', { environment: { A: '1' } }),
    service('app', { image: 'other:1' }),
    service('app', { command: ['x'] }),
    service('app', { ports: [{ target: 1, protocol: 'tcp', mode: 'ingress' }] }),
    service('app', { mounts: [anonymousMount('/x')] }),
    service('app', { restart: 'always' }),
    service('app', { labels: { a: 'b' } }),
    service('app', { networks: { other: attachment() } }),
  ];
  for (const v of variants) assert.notEqual(specHash(canonicalServiceSpec(m, v)), base);
});

test('renaming a named volume (name:) changes the hash of the services that mount it', () => {
  const s = service('db', { mounts: [namedVolumeMount('data', '/d')] });
  const a = specHash(canonicalServiceSpec(model({ services: [s] }), s));
  const b = specHash(canonicalServiceSpec(model({ services: [s], volumes: [volumeSpec('demo', 'data', { name: 'renamed' })] }), s));
  assert.notEqual(a, b);
});
