// Runs a command and times it from spawn to exit, wall clock, with its output captured
// (never shown unless it fails: a failed run is a finding, not a measurement).

import { spawn } from 'node:child_process';

/**
 * @param {string} file
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 * @returns {Promise<{ ms: number, code: number | null, stdout: string, stderr: string }>}
 */
export function timedRun(file, args, { cwd, env = process.env, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      resolve({ ms, code, stdout, stderr });
    });
  });
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
