// The batch value built from coalesced changes: per service, which steps and which files.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildBatch } from '../../../src/watch/batch.js';
import { fileChangeOf } from '../../../src/watch/changes.js';
import { compileWatchRules } from '../../../src/watch/rules.js';
import type { FileChange, WatchAction, WatchMatch, WatchRuleInput } from '../../../src/watch/types.js';

const timing = { seq: 1, firstEventAt: 0, lastEventAt: 0, dispatchedAt: 25, eventCount: 0 };

function rule(action: WatchAction, target?: string): WatchRuleInput {
  return { action, path: '/src', ...(target ? { target } : {}), ignore: [], include: [], initialSync: false };
}

function match(service: string, ruleIndex: number, r: WatchRuleInput, hostPath: string): WatchMatch {
  const rel = hostPath.slice('/src/'.length);
  return { service, rule: r, ruleIndex, action: r.action, ...(r.target ? { containerPath: `${r.target}/${rel}` } : {}) };
}

function changed(hostPath: string, matches: (hostPath: string) => WatchMatch[], exists = true, isDirectory = false): FileChange {
  return { hostPath, exists, isDirectory, matches: matches(hostPath) };
}

describe('batch value', () => {
  it('syncs, restarts, then runs each matched exec rule once, labelled sync+restart+exec', () => {
    const sync = rule('sync', '/app');
    const restart = rule('restart');
    const exec = rule('sync+exec', '/app');
    const batch = buildBatch(
      [
        changed('/src/a.py', (p) => [match('api', 0, sync, p), match('api', 2, exec, p)]),
        changed('/src/b.py', (p) => [match('api', 2, exec, p)]),
        changed('/src/conf.ini', (p) => [match('api', 1, restart, p)]),
      ],
      timing,
    );
    const [api] = batch.services;
    assert.equal(api!.action, 'sync+restart+exec');
    assert.equal(api!.restart, true);
    assert.deepEqual(api!.exec.map((e) => e.ruleIndex), [2]);
    assert.deepEqual(api!.sync.map((f) => [f.containerPath, f.ruleIndex]), [
      ['/app/a.py', 0],
      ['/app/a.py', 2],
      ['/app/b.py', 2],
    ]);
  });

  it('copies a file to each target of two sync rules', () => {
    const batch = buildBatch(
      [changed('/src/x.css', (p) => [match('web', 0, rule('sync', '/app/static'), p), match('web', 1, rule('sync', '/cdn'), p)])],
      timing,
    );
    assert.deepEqual(batch.services[0]!.sync.map((f) => f.containerPath), ['/app/static/x.css', '/cdn/x.css']);
  });

  it('folds the deleted files under a deleted directory into that directory', () => {
    const sync = rule('sync', '/app');
    const m = (p: string): WatchMatch[] => [match('web', 0, sync, p)];
    const batch = buildBatch(
      [
        changed('/src/old/a.js', m, false),
        changed('/src/old/deep/b.js', m, false),
        changed('/src/old/deep', m, false, true),
        changed('/src/old', m, false, true),
        changed('/src/kept.js', m, true),
      ],
      timing,
    );
    assert.deepEqual(batch.services[0]!.sync.map((f) => [f.containerPath, f.exists]), [
      ['/app/kept.js', true],
      ['/app/old', false],
    ]);
    assert.equal(batch.services[0]!.files.length, 5, 'every changed path is still listed for reports');
  });

  it('keeps a path written below a deleted directory (it was re-created)', () => {
    const sync = rule('sync', '/app');
    const m = (p: string): WatchMatch[] => [match('web', 0, sync, p)];
    const batch = buildBatch([changed('/src/d', m, false, true), changed('/src/d/new.js', m, true)], timing);
    assert.deepEqual(batch.services[0]!.sync.map((f) => [f.containerPath, f.exists]), [
      ['/app/d', false],
      ['/app/d/new.js', true],
    ]);
  });

  it('labels a restart-only service restart, with nothing to sync', () => {
    const batch = buildBatch([changed('/src/conf.ini', (p) => [match('db', 0, rule('restart'), p)])], timing);
    assert.deepEqual(
      batch.services.map((s) => [s.service, s.action, s.sync.length, s.restart]),
      [['db', 'restart', 0, true]],
    );
  });

  it('orders services by name and copies the timing', () => {
    const sync = rule('sync', '/app');
    const batch = buildBatch(
      [changed('/src/a', (p) => [match('zeta', 0, sync, p)]), changed('/src/b', (p) => [match('alpha', 0, sync, p)])],
      { ...timing, seq: 7, eventCount: 2 },
    );
    assert.deepEqual(batch.services.map((s) => s.service), ['alpha', 'zeta']);
    assert.equal(batch.seq, 7);
    assert.equal(batch.eventCount, 2);
    assert.equal(batch.dispatchedAt, 25);
  });
});

describe('file event → change', () => {
  const rules = compileWatchRules({
    stackFiles: ['/proj/stack.yaml'],
    services: [{ service: 'web', rules: [{ action: 'sync', path: '/proj', target: '/app', ignore: [], include: [], initialSync: false }] }],
  });

  it('reads an unlinkDir as a deleted directory with its matches', () => {
    const change = fileChangeOf(rules, { kind: 'unlinkDir', path: '/proj/lib' });
    assert.deepEqual([change.exists, change.isDirectory, change.matches.map((m) => m.containerPath)], [false, true, ['/app/lib']]);
  });

  it('reads a change of a stack file as a stack-file change that syncs nothing', () => {
    const change = fileChangeOf(rules, { kind: 'change', path: '/proj/stack.yaml' });
    assert.deepEqual([change.exists, change.stackFile, change.matches], [true, true, []]);
  });
});
