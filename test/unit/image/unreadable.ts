// Runs a piece of the image code in a child process that cannot read what root can: tests run
// as root here, and root reads a file of mode 000. As root the child runs as "nobody".

import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const distImage = fileURLToPath(new URL('../../../src/image/', import.meta.url));

/**
 * Runs `body` (the text of an async function body that may use `image` = { tar, hash } modules
 * and must return a string) without root's read rights; returns what it returned, or the
 * message of what it threw, prefixed "error: ".
 */
export function runUnprivileged(body: string, readableRoots: readonly string[]): string {
  const script = `
    const tar = await import(${JSON.stringify(`${distImage}context-tar.js`)});
    const hash = await import(${JSON.stringify(`${distImage}context-hash.js`)});
    const image = { tar, hash };
    try { const out = await (async () => { ${body} })(); process.stdout.write(String(out)); }
    catch (e) { process.stdout.write('error: ' + e.message); }
  `;
  const asRoot = process.getuid?.() === 0;
  if (asRoot) for (const dir of readableRoots) chmodSync(dir, 0o755);
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    env: { PATH: process.env.PATH ?? '', STACK_CACHE: '0' },
  });
  if (result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
