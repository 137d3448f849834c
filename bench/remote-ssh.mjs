#!/usr/bin/env node
// The ssh bench rows of issue 14 item 2: stack over ssh beside the Docker CLI on the same sshd
// (scripts/remote-lab: a private sshd on 127.0.0.1, its log at DEBUG1 so each run's logins
// and session channels are counted).
//
// Rows, alternating the commands round by round (so load drifts hit all alike):
//   - `docker -H ssh://… ps`            the Docker CLI: one ssh login, one dial-stdio
//   - `stack up -d`, no-op, over ssh    a 2-service stack already up (goal: ≤ 1.5× docker ps)
//   - `stack ps` over ssh
//   - `stack up -d`, no-op, unix socket the same command without ssh
// and `stack logs -f` of a 4-service stack over ssh: time until every service's first line
// showed, logins and sessions while it follows.
//
//   node bench/remote-ssh.mjs [--runs 7] [--out bench/REMOTE-SSH.md]
// Needs a build (npm run build), the test image (scripts/test-image) and the lab's Debian
// packages (see scripts/remote-lab). Measures and reports; asserts nothing.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timedRun } from './lib/spawn.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const stackBin = join(repoRoot, 'bin', 'stack.js');
const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(opt('--runs', '7'));
const out = opt('--out', join(benchDir, 'REMOTE-SSH.md'));
const image = process.env.STACK_TEST_IMAGE ?? 'stack-test/busybox:1';

function stackYaml(n) {
  let y = 'services:\n';
  for (let i = 1; i <= n; i++) {
    y += `  s${i}:\n    image: ${image}\n    init: true\n    stop_grace_period: 1s\n    command: ["sh", "-c", "echo s${i}-ready; exec sleep 3600"]\n`;
  }
  return y;
}

const work = mkdtempSync(join(tmpdir(), 'stack-bench-ssh-'));
const labDir = join(work, 'lab');
const lab = new Map(
  execFileSync('bash', [join(repoRoot, 'scripts', 'remote-lab'), 'up', labDir], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const sshUrl = `ssh://${lab.get('SSH_USER')}@127.0.0.1:${lab.get('SSH_PORT')}`;
const clean = { ...process.env };
for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete clean[k];
const sshEnv = { ...clean, PATH: `${lab.get('SSH_BIN')}:${process.env.PATH}`, DOCKER_HOST: sshUrl, NO_COLOR: '1' };
const localEnv = { ...clean, NO_COLOR: '1' };
const sshLog = () => readFileSync(lab.get('SSH_LOG'), 'utf8');
const activity = (piece) => ({
  logins: (piece.match(/^Accepted publickey for /gm) ?? []).length,
  sessions: (piece.match(/session_new: session \d+/g) ?? []).length,
});

const two = join(work, 'two.yaml');
const four = join(work, 'four.yaml');
writeFileSync(two, stackYaml(2));
writeFileSync(four, stackYaml(4));
const p2 = `benchssh2${process.pid}`;
const p4 = `benchssh4${process.pid}`;

async function counted(file, argv, env) {
  const from = sshLog().length;
  const r = await timedRun(file, argv, { env });
  if (r.code !== 0) throw new Error(`${file} ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  // sshd writes a session's lines as it opens it; the ones of this run are all in by its exit.
  return { ms: r.ms, ...activity(sshLog().slice(from)) };
}

const rows = {
  'docker -H ssh://… ps': () => counted('docker', ['-H', sshUrl, 'ps'], sshEnv),
  'stack up -d (no-op, 2 services) over ssh': () => counted(stackBin, ['-f', two, '-p', p2, 'up', '-d'], sshEnv),
  'stack ps over ssh': () => counted(stackBin, ['-f', two, '-p', p2, 'ps'], sshEnv),
  'stack up -d (no-op, 2 services), unix socket': () => counted(stackBin, ['-f', two, '-p', p2, 'up', '-d'], localEnv),
};

function logsFollow() {
  return new Promise((resolve, reject) => {
    const from = sshLog().length;
    const t0 = performance.now();
    const child = spawn(stackBin, ['-f', four, '-p', p4, 'logs', '-f'], { env: sshEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`logs -f never showed all four services: ${text} ${err}`));
    }, 120_000);
    child.stderr.on('data', (c) => (err += c));
    child.stdout.on('data', (c) => {
      text += c;
      if ([1, 2, 3, 4].every((i) => text.includes(`s${i}-ready`))) {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        const seen = activity(sshLog().slice(from));
        child.kill('SIGINT');
        child.once('close', () => resolve({ ms, ...seen }));
      }
    });
  });
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

try {
  log(`lab up (sshd on 127.0.0.1:${lab.get('SSH_PORT')}); creating the stacks`);
  for (const [f, p] of [[two, p2], [four, p4]]) {
    const r = await timedRun(stackBin, ['-f', f, '-p', p, 'up', '-d'], { env: localEnv });
    if (r.code !== 0) throw new Error(`up failed: ${r.stderr}`);
  }
  const samples = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  samples['stack logs -f (4 services) over ssh: all first lines shown'] = [];
  // One warm-up round (page cache, the V8 code cache, the remote docker binary), not counted.
  for (const run of Object.values(rows)) await run();
  for (let round = 0; round < runs; round++) {
    const order = Object.keys(rows);
    if (round % 2 === 1) order.reverse();
    for (const name of order) samples[name].push(await rows[name]());
    samples['stack logs -f (4 services) over ssh: all first lines shown'].push(await logsFollow());
    log(`round ${round + 1}/${runs} done`);
  }
  const docker = stats(samples['docker -H ssh://… ps'].map((s) => s.ms)).median;
  const lines = [
    '# ssh bench (issue 14 item 2)',
    '',
    `${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, ${runs} rounds after one warm-up,`,
    'commands alternating; private sshd on 127.0.0.1 (scripts/remote-lab), sessions counted in its log.',
    'Produced by `node bench/remote-ssh.mjs`. Wall time from spawn to exit.',
    '',
    '| command | median ms | min | max | × docker ps | ssh logins | ssh sessions |',
    '|---|---:|---:|---:|---:|---|---|',
  ];
  for (const [name, list] of Object.entries(samples)) {
    const t = stats(list.map((s) => s.ms));
    const ratio = name.includes('ps') && name.startsWith('docker') ? '1.00' : (t.median / docker).toFixed(2);
    const range = (k) => {
      const v = stats(list.map((s) => s[k]));
      return v.min === v.max ? String(v.min) : `${v.min}–${v.max}`;
    };
    lines.push(`| ${name} | ${t.median.toFixed(0)} | ${t.min.toFixed(0)} | ${t.max.toFixed(0)} | ${ratio} | ${range('logins')} | ${range('sessions')} |`);
  }
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const [f, p] of [[two, p2], [four, p4]]) await timedRun(stackBin, ['-f', f, '-p', p, 'down'], { env: localEnv });
  execFileSync('bash', [join(repoRoot, 'scripts', 'remote-lab'), 'down', labDir]);
  rmSync(work, { recursive: true, force: true });
}
