// Build-context fixtures for the image tests: real files in a fresh temporary directory.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A file's content, or a symbolic link, or an empty directory. */
export type Node = string | { link: string } | { dir: true } | { content: string; mode: number };

const made: string[] = [];

/** A fresh temporary directory, removed by removeTrees(). */
export function tempDir(prefix = 'stack-ctx-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTrees(): void {
  for (const dir of made.splice(0)) {
    chmodTree(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

function chmodTree(dir: string): void {
  // Tests make unreadable directories; give them back before removing.
  try {
    chmodSync(dir, 0o755);
  } catch {
    // Gone already.
  }
}

/** Writes `nodes` (relative path → node) under `root`; returns root. Files get a fixed old mtime. */
export function writeTree(root: string, nodes: Record<string, Node>): string {
  for (const [rel, node] of Object.entries(nodes)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof node === 'string') writeFile(path, node);
    else if ('link' in node) symlinkSync(node.link, path);
    else if ('dir' in node) mkdirSync(path, { recursive: true });
    else {
      writeFile(path, node.content);
      chmodSync(path, node.mode);
    }
  }
  return root;
}

/** A whole second in 2020: far from "now", so the stat cache trusts it (see RACY_MS). */
export const OLD_TIME = new Date('2020-01-02T03:04:05Z');

export function writeFile(path: string, content: string): void {
  writeFileSync(path, content);
  utimesSync(path, OLD_TIME, OLD_TIME);
}

/** A new context directory holding `nodes`. */
export function context(nodes: Record<string, Node>): string {
  return writeTree(tempDir(), nodes);
}

let edits = 0;

/** Writes new content with a new mtime (each edit one second later, still long ago), as an editor would. */
export function edit(path: string, content: string): void {
  writeFileSync(path, content);
  const when = new Date(OLD_TIME.getTime() + ++edits * 1000);
  utimesSync(path, when, when);
}
