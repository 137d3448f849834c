// Runs a command and times it from spawn to exit, wall clock, with its output captured
// (never shown unless it fails: a failed run is a finding, not a measurement).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// GNU time reports the child's CPU time (user + system), which, unlike wall time, hardly
// moves when other work shares the machine. It adds one exec (about a millisecond) to every
// run, the same for every tool. Without it, runs still report wall time.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpuDir = mkdtempSync(join(tmpdir(), 'stack-bench-cpu-'));
process.on('exit', () => rmSync(cpuDir, { recursive: true, force: true }));
let runCounter = 0;

/**
 * @param {string} file
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 * @returns {Promise<{ ms: number, cpuMs?: number, code: number | null, stdout: string, stderr: string }>}
 */
export function timedRun(file, args, { cwd, env = process.env, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const cpuFile = GNU_TIME && join(cpuDir, `${++runCounter}.txt`);
    const [command, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, file, ...args]] : [file, args];
    const t0 = performance.now();
    const child = spawn(command, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    let ms = 0;
    // 'exit' is the end of the process (what we time); 'close' comes once its pipes drained.
    child.on('exit', () => (ms = performance.now() - t0));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (ms === 0) ms = performance.now() - t0;
      resolve({ ms, cpuMs: cpuFile ? readCpuMs(cpuFile) : undefined, code, stdout, stderr });
    });
  });
}

/** GNU time's `-o` file: "0.52 0.11" (user, system seconds); a failed child adds a line before. */
function readCpuMs(file) {
  try {
    const last = readFileSync(file, 'utf8').trim().split('\n').pop();
    const [user, sys] = last.split(' ').map(Number);
    return Number.isFinite(user + sys) ? (user + sys) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Like timedRun, but a non-zero exit is an error carrying the command's output. */
export async function mustRun(file, args, options) {
  const r = await timedRun(file, args, options);
  if (r.code !== 0) {
    const tail = (s) => s.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${[file, ...args].join(' ')} exited with ${r.code}\n${tail(r.stderr)}\n${tail(r.stdout)}`);
  }
  return r;
}
