// The swarm planner, spec by example: a model loaded from text, a snapshot of an in-memory
// swarm (test/helpers/swarm-memory-gateway.ts), the plan text a user would read — and the
// plan applied by the real executor, so the next snapshot shows what the engine would hold.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadText } from '../../helpers/load-text.js';
import { MemorySwarm } from '../../helpers/swarm-memory-gateway.js';
import { FileContent } from '../../../src/api/swarm-types.js';
import { planSwarm, planSwarmDown, TASK_HASH_LABEL, type SwarmPlanInputs, type SwarmPlanOptions } from '../../../src/swarm/plan/index.js';
import { observeSwarm } from '../../../src/swarm/observe.js';
import { execute } from '../../../src/engine/executor.js';
import { formatPlan, planToJson } from '../../../src/planner/format.js';
import type { StackModel } from '../../../src/model/types.js';
import type { Plan } from '../../../src/planner/types.js';
import { OperationError } from '../../../src/errors.js';

const STACK = `
name: demo
services:
  web:
    image: web:1
    environment: {LEVEL: info}
    secrets: [pw]
    configs: [{source: site, target: /etc/site.conf}]
    networks: [front]
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      update_config: {parallelism: 1, order: start-first, failure_action: rollback, monitor: 2s}
  worker:
    image: worker:1
    networks: [front]
    deploy: {mode: global}
networks:
  front: {driver: overlay, attachable: true}
secrets:
  pw: {file: ./pw.txt}
configs:
  site: {file: ./site.conf}
`;

function content(text: string): FileContent {
  const bytes = Buffer.from(text);
  return new FileContent(bytes, createHash('sha256').update(bytes).digest('hex'));
}

function inputs(files: { pw?: string; site?: string } = {}): SwarmPlanInputs {
  return {
    secrets: new Map([['pw', content(files.pw ?? 's3cret')]]),
    configs: new Map([['site', content(files.site ?? 'listen 80;')]]),
    imageDigests: new Map(),
  };
}

async function modelOf(yaml: string): Promise<StackModel> {
  return (await loadText(yaml, { projectName: 'demo', files: { 'pw.txt': 's3cret', 'site.conf': 'listen 80;' } })).model;
}

async function planFor(swarm: MemorySwarm, model: StackModel, files?: Parameters<typeof inputs>[0], options: SwarmPlanOptions = {}): Promise<Plan> {
  const observed = await observeSwarm(swarm.asEngine(), model.projectName, model, 'memory');
  return planSwarm(model, observed, inputs(files), options);
}

async function apply(swarm: MemorySwarm, plan: Plan): Promise<void> {
  const result = await execute(plan, swarm.asEngine(), { parallel: 1 });
  assert.equal(result.error, undefined, result.error?.message);
}

async function deployed(yaml = STACK): Promise<{ swarm: MemorySwarm; model: StackModel }> {
  const swarm = new MemorySwarm();
  const model = await modelOf(yaml);
  await apply(swarm, await planFor(swarm, model));
  swarm.calls.length = 0;
  return { swarm, model };
}

test('a first deploy creates the network, the content-named config and secret, then the services', async () => {
  const swarm = new MemorySwarm();
  const plan = await planFor(swarm, await modelOf(STACK));
  const pw = createHash('sha256').update('s3cret').digest('hex').slice(0, 10);
  const site = createHash('sha256').update('listen 80;').digest('hex').slice(0, 10);
  assert.equal(
    formatPlan(plan),
    [
      '+ network demo_front (create): no network',
      `+ config demo_site_${site} (create): no config`,
      `+ secret demo_pw_${pw} (create): no secret`,
      '+ web (create demo_web): no service',
      '+ worker (create demo_worker): no service',
      'Plan: 5 to create.',
      '',
    ].join('\n'),
  );
  const web = plan.operations.find((o) => o.id === 'create service demo_web')!;
  assert.deepEqual([...web.after].sort(), ['create config demo_site_' + site, 'create network demo_front', 'create secret demo_pw_' + pw]);
});

test('the executor gives a service the ids of the secret and config created in the same run', async () => {
  const { swarm } = await deployed();
  const web = [...swarm.services.values()].find((s) => s.body.Name === 'demo_web')!;
  const [secretRef] = web.body.TaskTemplate.ContainerSpec.Secrets!;
  assert.equal(swarm.secrets.get(secretRef!.SecretID)?.name, secretRef!.SecretName);
  const [configRef] = web.body.TaskTemplate.ContainerSpec.Configs!;
  assert.equal(swarm.configs.get(configRef!.ConfigID)?.name, configRef!.ConfigName);
  assert.equal(configRef!.File.Name, '/etc/site.conf');
  assert.equal(secretRef!.File.Name, 'pw');
});

test('the deploy section becomes the service spec: mode, replicas, update config, endpoint mode', async () => {
  const { swarm } = await deployed();
  const byName = new Map([...swarm.services.values()].map((s) => [s.body.Name, s.body]));
  const web = byName.get('demo_web')!;
  assert.deepEqual(web.Mode, { Replicated: { Replicas: 3 } });
  assert.deepEqual(web.UpdateConfig, { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback', Monitor: 2_000_000_000 });
  assert.deepEqual(web.EndpointSpec, { Mode: 'dnsrr' });
  assert.deepEqual(web.TaskTemplate.Networks, [{ Target: [...swarm.networks.values()][0]!.id, Aliases: ['web'] }]);
  assert.deepEqual(byName.get('demo_worker')!.Mode, { Global: {} });
  assert.equal(web.Labels['com.docker.stack.namespace'], 'demo');
  assert.equal(web.TaskTemplate.ContainerSpec.Labels?.['com.docker.stack.namespace'], 'demo');
});

test('a redeploy of an unchanged file plans nothing and sends nothing: service versions stay', async () => {
  const { swarm, model } = await deployed();
  const versions = [...swarm.services.values()].map((s) => s.version);
  const plan = await planFor(swarm, model);
  assert.equal(formatPlan(plan), 'No changes.\n');
  await apply(swarm, plan);
  assert.deepEqual(swarm.calls, []);
  assert.deepEqual([...swarm.services.values()].map((s) => s.version), versions);
});

test('a one-field change updates exactly that service, with the field in the reason', async () => {
  const { swarm } = await deployed();
  const plan = await planFor(swarm, await modelOf(STACK.replace('LEVEL: info', 'LEVEL: debug')));
  assert.equal(formatPlan(plan), '~ web (update demo_web): environment.LEVEL "info" → "debug"\nPlan: 1 to update.\n');
  await apply(swarm, plan);
  assert.deepEqual(swarm.calls, ['updateService demo_web']);
});

test('a replica count change updates the service but not its task template: no task is rolled', async () => {
  const { swarm } = await deployed();
  const before = [...swarm.services.values()].find((s) => s.body.Name === 'demo_web')!.body.TaskTemplate.ContainerSpec.Labels![TASK_HASH_LABEL];
  const plan = await planFor(swarm, await modelOf(STACK.replace('replicas: 3', 'replicas: 5')));
  assert.equal(formatPlan(plan), '~ web (update demo_web): replicas 3 → 5\nPlan: 1 to update.\n');
  await apply(swarm, plan);
  const web = [...swarm.services.values()].find((s) => s.body.Name === 'demo_web')!.body;
  assert.deepEqual(web.Mode, { Replicated: { Replicas: 5 } });
  assert.equal(web.TaskTemplate.ContainerSpec.Labels![TASK_HASH_LABEL], before);
});

test('a changed secret is a new version under a new name; the old one stays while a service uses it, and goes once none does', async () => {
  const { swarm, model } = await deployed();
  const oldName = [...swarm.secrets.values()][0]!.name;
  const rotate = await planFor(swarm, model, { pw: 'n3w' });
  const newName = `demo_pw_${createHash('sha256').update('n3w').digest('hex').slice(0, 10)}`;
  assert.equal(
    formatPlan(rotate),
    [
      `+ secret ${newName} (create): content changed (in use: ${oldName})`,
      `~ web (update demo_web): secretVersions.pw "${oldName}" → "${newName}"`,
      'Plan: 1 to create, 1 to update.',
      '',
    ].join('\n'),
  );
  await apply(swarm, rotate);
  assert.deepEqual(swarm.calls, [`createSecret ${newName}`, 'updateService demo_web']);
  swarm.calls.length = 0;
  const cleanup = await planFor(swarm, model, { pw: 'n3w' });
  assert.equal(formatPlan(cleanup), `- secret ${oldName} (remove): an old version no service uses\nPlan: 1 to remove.\n`);
  await apply(swarm, cleanup);
  assert.deepEqual([...swarm.secrets.values()].map((s) => s.name), [newName]);
});

test('no plan, JSON or text, shows a secret\'s content', async () => {
  const swarm = new MemorySwarm();
  const plan = await planFor(swarm, await modelOf(STACK), { pw: 'hunter2-very-secret' });
  const json = JSON.stringify(planToJson(plan));
  assert.ok(!json.includes('hunter2-very-secret'));
  assert.ok(!json.includes(Buffer.from('hunter2-very-secret').toString('base64')));
  assert.match(json, /\(sensitive, 19 bytes\)/);
});

test('a service of our name that stack did not create is refused, never adopted', async () => {
  const swarm = new MemorySwarm();
  await swarm.createService({ Name: 'demo_web', Labels: { 'com.docker.stack.namespace': 'demo' }, TaskTemplate: { ContainerSpec: { Image: 'x' } }, Mode: { Replicated: { Replicas: 1 } } });
  await assert.rejects(planFor(swarm, await modelOf(STACK)), (e: Error) => e instanceof OperationError && /service demo_web exists and was not created by stack \(it is `docker stack deploy`'s\)/.test(e.message));
});

test('a service gone from the file is reported; --remove-orphans removes it', async () => {
  const { swarm } = await deployed();
  const smaller = await modelOf(STACK.replace(/ {2}worker:\n(.*\n){3}/, ''));
  const warned = await planFor(swarm, smaller);
  assert.equal(formatPlan(warned), '! warning: service demo_worker is no longer in the stack file: `up --remove-orphans` removes it\nNo changes.\n');
  const removing = await planFor(swarm, smaller, undefined, { removeOrphans: true });
  assert.equal(formatPlan(removing), '- worker (remove demo_worker): no longer in the stack file\nPlan: 1 to remove.\n');
});

test('what a swarm cannot do is an error naming the field, or a warning when only a convenience is lost', async () => {
  const swarm = new MemorySwarm();
  const model = await modelOf(`
name: demo
services:
  a: {image: a, privileged: true, devices: ["/dev/null"]}
  b: {image: b, container_name: bee, depends_on: {a: {condition: service_healthy}}}
`);
  await assert.rejects(planFor(swarm, model), (e: Error) => {
    assert.match(e.message, /services\.a\.privileged: Swarm services cannot run privileged/);
    assert.match(e.message, /services\.a\.devices: Swarm services cannot map host devices/);
    return true;
  });
  const ok = await modelOf(`
name: demo
services:
  a: {image: a}
  b: {image: b, container_name: bee, depends_on: {a: {condition: service_healthy}}}
`);
  const plan = await planFor(swarm, ok);
  assert.deepEqual(plan.warnings.map((w) => w.message), [
    'services.b.container_name: ignored: Swarm names tasks itself (<stack>_<service>.<slot>.<id>)',
    'services.b.depends_on: ignored: Swarm starts services in no order and waits for no condition (a: service_healthy); give the service a healthcheck and a restart policy instead',
  ]);
});

test('a local network driver is refused: services on a swarm need an overlay network', async () => {
  await assert.rejects(planFor(new MemorySwarm(), await modelOf('name: demo\nservices: {a: {image: a, networks: [n]}}\nnetworks: {n: {driver: bridge}}\n')), /networks\.n\.driver: a bridge network is local to one engine/);
});

test('an engine that is not a swarm manager is said plainly, with what to do', async () => {
  const swarm = new MemorySwarm();
  swarm.notManager = true;
  await assert.rejects(observeSwarm(swarm.asEngine(), 'demo', undefined, 'unix:///var/run/docker.sock'), (e: Error) => {
    assert.equal(e.message, '--target swarm: the engine at unix:///var/run/docker.sock is not part of a swarm');
    assert.match((e as OperationError).hint ?? '', /docker swarm init/);
    return true;
  });
});

test('down removes exactly what stack created: services first, then configs, secrets and networks', async () => {
  const { swarm } = await deployed();
  await swarm.createSecret({ Name: 'demo_foreign', Labels: { 'com.docker.stack.namespace': 'demo' }, Data: '' });
  const observed = await observeSwarm(swarm.asEngine(), 'demo', undefined, 'memory');
  const plan = planSwarmDown(observed);
  const lines = formatPlan(plan).split('\n');
  assert.deepEqual(lines.slice(-2), ['Plan: 5 to remove.', '']);
  assert.ok(!lines.some((l) => l.includes('demo_foreign')));
  await apply(swarm, plan);
  assert.deepEqual([...swarm.secrets.values()].map((s) => s.name), ['demo_foreign']);
  assert.equal(swarm.services.size + swarm.configs.size + swarm.networks.size, 0);
});
