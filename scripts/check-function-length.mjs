#!/usr/bin/env node
// No function in src/ longer than 150 lines (generated code aside): a function that long is
// several jobs sharing locals, the shape ../shared/STYLE.md asks us to split by phase.
// Counts from the line a function starts on to the line of its closing brace, with the
// TypeScript parser, so nested functions are measured on their own as well.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const LIMIT = 150;
const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['generated']);

export function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!skip.has(name)) out.push(...sourceFiles(path));
    } else if (/\.(c|m)?ts$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function nameOf(node) {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) return parent.name.getText();
  return '(anonymous)';
}

export function longFunctions(files, limit = LIMIT) {
  const found = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.end).line;
        const lines = last - first + 1;
        if (lines > limit) found.push({ file: relative(root, file), line: first + 1, name: nameOf(node), lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = longFunctions(sourceFiles(join(root, 'src')));
  for (const f of found) console.error(`${f.file}:${f.line}: ${f.name} is ${f.lines} lines (limit ${LIMIT}): split it by the jobs it does`);
  if (found.length > 0) process.exit(1);
  console.log(`function length: every function in src/ is at most ${LIMIT} lines`);
}
