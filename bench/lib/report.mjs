// Writes bench/RESULTS.md: machine, medians and ratios, the issue's targets (reported, never
// asserted), every series' min / median / max, engine API call counts and CPU profiles.
// A hand-written analysis between the ANALYSIS markers survives regeneration.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { summary, fmtMs, fmtRatio } from './stats.mjs';
import { totalCalls } from './api-counter.mjs';

const ANALYSIS_START = '<!-- analysis: hand-written, kept when the file is regenerated -->';
const ANALYSIS_END = '<!-- /analysis -->';

const med = (samples, scenario, series) => summary(samples[scenario]?.[series])?.median;

function keptAnalysis(file) {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(ANALYSIS_START);
  const b = text.indexOf(ANALYSIS_END);
  return a >= 0 && b > a ? text.slice(a, b + ANALYSIS_END.length) : undefined;
}

function lifecycleScenarios(samples) {
  const order = ['cold up -d', 'no-op up -d', 'one service changed', 'down -v'];
  const sizes = [...new Set(Object.keys(samples).map((k) => k.match(/\(N=(\d+)\)$/)?.[1]).filter(Boolean))].map(Number).sort((a, b) => a - b);
  return sizes.flatMap((n) => order.map((s) => `${s} (N=${n})`)).filter((k) => samples[k]);
}

/** The same difference in CPU time, which survives a loaded machine better than wall time. */
const signed = (ms) => `${ms < 0 ? '−' : '+'}${fmtMs(Math.abs(ms))}`;

function cpuDelta(cpu, scenario, a, b) {
  const x = med(cpu, scenario, a);
  const y = med(cpu, scenario, b);
  return x !== undefined && y !== undefined ? `; CPU ${signed(x - y)} (${fmtMs(x)} vs ${fmtMs(y)})` : '';
}

function targets(samples, cpu) {
  const rows = [];
  const add = (target, measured, met) => rows.push(`| ${target} | ${measured} | ${met === undefined ? 'not measured' : met ? 'met' : '**missed**'} |`);
  const noop = 'no-op up -d (N=30)';
  const s = med(samples, noop, 'stack');
  const c = med(samples, noop, 'docker-compose');
  add('no-op `up -d`, 30 services: ≥ 6× faster than docker-compose', s && c ? `${(c / s).toFixed(1)}× faster (${fmtMs(s)} vs ${fmtMs(c)})` : '—', s && c ? c / s >= 6 : undefined);
  const sn = med(samples, noop, 'stack (no cache)');
  if (sn) add('no-op `up -d`, 30 services: ≥ 6× faster than docker-compose (no cache: `STACK_CACHE=0`)', c ? `${(c / sn).toFixed(1)}× faster (${fmtMs(sn)} vs ${fmtMs(c)})` : '—', c ? c / sn >= 6 : undefined);
  for (const [withCa, stackSeries, nodeSeries] of [['', 'stack', 'node -e 0'], [' (without NODE_EXTRA_CA_CERTS)', 'stack (no CA)', 'node -e 0 (no CA)'], [' (no cache: `STACK_CACHE=0`)', 'stack (no cache)', 'node -e 0']]) {
    const st = med(samples, noop, stackSeries);
    const nd = med(samples, noop, nodeSeries);
    add(`no-op \`up -d\`, 30 services: within 80 ms of \`node -e 0\`${withCa}`, st && nd ? `${signed(st - nd)} (${fmtMs(st)} vs ${fmtMs(nd)})${cpuDelta(cpu, noop, stackSeries, nodeSeries)}` : '—', st && nd ? st - nd <= 80 : undefined);
  }
  for (const [scenario, limit] of [['cold up -d', 1.05], ['down -v', 1.05], ['one service changed', 1.1]]) {
    for (const key of Object.keys(samples).filter((k) => k.startsWith(`${scenario} (N=`))) {
      if (scenario === 'one service changed' && !key.endsWith('(N=30)')) continue;
      const st = med(samples, key, 'stack');
      const fl = med(samples, key, 'floor');
      add(`${key}: within ${limit}× of the floor`, st && fl ? `${fmtRatio(st, fl)} (${fmtMs(st)} vs ${fmtMs(fl)})` : '—', st && fl ? st / fl <= limit : undefined);
    }
  }
  const cfgKey = Object.keys(samples).find((k) => k.startsWith('config ('));
  for (const [how, series] of [['', 'stack'], [' (no cache: `STACK_CACHE=0`, the whole load and validation)', 'stack (no cache)']]) {
    const cfg = cfgKey && med(samples, cfgKey, series);
    if (series !== 'stack' && !cfg) continue;
    add(`\`${cfgKey ?? 'config (500 services)'}\`: under 0.3 s${how}`, cfg ? `${fmtMs(cfg)}${cfgKey && med(cpu, cfgKey, series) !== undefined ? `; CPU ${fmtMs(med(cpu, cfgKey, series))}` : ''}` : '—', cfg ? cfg < 300 : undefined);
  }
  for (const [withCa, stackSeries, nodeSeries] of [['', 'stack', 'node -e 0'], [' (without NODE_EXTRA_CA_CERTS)', 'stack (no CA)', 'node -e 0 (no CA)']]) {
    const st = med(samples, 'startup', stackSeries);
    const nd = med(samples, 'startup', nodeSeries);
    add(`\`stack --version\`: within 0.1 s of \`node -e 0\`${withCa}`, st && nd ? `${signed(st - nd)} (${fmtMs(st)} vs ${fmtMs(nd)})${cpuDelta(cpu, 'startup', stackSeries, nodeSeries)}` : '—', st && nd ? st - nd <= 100 : undefined);
  }
  return rows;
}

function apiSection(apiCalls) {
  if (!apiCalls) return [];
  const series = ['stack', 'docker-compose', 'floor'];
  const out = [`## Engine API calls (N=${apiCalls.n}, one untimed run each through a counting proxy)`, '', '| scenario | stack | docker-compose | floor |', '|---|---:|---:|---:|'];
  for (const [scenario, row] of Object.entries(apiCalls.rows)) {
    const cell = (s) => (row[s] ? `${totalCalls(new Map(Object.entries(row[s].counts)))}${row[s].failed ? ' (failed)' : ''}` : '—');
    out.push(`| ${scenario} | ${series.map(cell).join(' | ')} |`);
  }
  out.push('', '<details><summary>calls by kind</summary>', '');
  for (const [scenario, row] of Object.entries(apiCalls.rows)) {
    for (const s of series) {
      if (!row[s]) continue;
      out.push(`- ${scenario}, ${s}: ${Object.entries(row[s].counts).map(([k, v]) => `${v}× \`${k}\``).join(', ') || 'none'}`);
    }
  }
  out.push('', '</details>', '');
  return out;
}

function profileSection(profiles) {
  if (!profiles) return [];
  const out = ['## Where stack spends its time (`node --cpu-prof`, one run each)', ''];
  for (const [name, p] of Object.entries(profiles)) {
    if (!p.buckets) {
      out.push(`- ${name}: no profile (exit ${p.code})`);
      continue;
    }
    out.push(`### ${name}: ${fmtMs(p.wallMs)} wall, ${fmtMs(p.totalMs)} profiled${p.code ? ` (exit ${p.code})` : ''}`, '');
    out.push('| self time by origin | ms | share |', '|---|---:|---:|');
    for (const [bucket, ms] of p.buckets.slice(0, 10)) out.push(`| ${bucket} | ${Math.round(ms)} | ${((100 * ms) / p.totalMs).toFixed(0)}% |`);
    out.push('', 'Heaviest functions (self time): ' + p.functions.slice(0, 6).map(([f, ms]) => `\`${f}\` ${Math.round(ms)} ms`).join('; '), '');
  }
  return out;
}

export function writeReport(file, { meta, samples, cpu = {}, findings, apiCalls, profiles }) {
  const lines = [];
  const push = (...l) => lines.push(...l);
  push(
    '# Benchmarks: stack, docker-compose 1.29 and the raw engine floor',
    '',
    `Generated by \`npm run bench${meta.mode === 'quick' ? ':quick' : ''}\` (bench/run.mjs) on ${meta.date} in ${Math.round(meta.durationS)} s. ` +
      'Quote the ratios: absolute times drift on this shared 2-core machine, where other work may run at the same time (see the load averages).',
    '',
    '## Machine and method',
    '',
    `- ${meta.cpus} CPUs (${meta.cpuModel}), ${meta.memGiB.toFixed(1)} GiB memory; load average ${meta.loadBefore.map((x) => x.toFixed(2)).join(' / ')} before, ${meta.loadAfter.map((x) => x.toFixed(2)).join(' / ')} after`,
    `- Docker Engine ${meta.engine.version} (API ${meta.engine.apiVersion}, ${meta.engine.storageDriver}, ${meta.engine.ncpu} CPUs); Node ${meta.node}; docker-compose ${meta.compose ?? 'not measured'}`,
    `- stack ${meta.stackVersion} at commit ${meta.commit}`,
    `- NODE_EXTRA_CA_CERTS ${meta.caSet ? 'is set in this environment: Node programs are measured with it and without it ("no CA")' : 'is not set'}`,
    `- Parallelism: stack runs with its default; the floor with the same limit, ${meta.parallel.value} (${meta.parallel.source}); docker-compose with its own default`,
    `- Runs: ${meta.plan.sizes.map((n) => `N=${n}: ${meta.plan.warmups[n]} warm-up + ${meta.plan.runs[n]} measured cycles`).join('; ')}; ${meta.plan.noopRepeats} no-op runs per cycle; start-up ${meta.plan.startupRuns} runs, config ${meta.plan.configRuns} runs, each after warm-ups`,
    '- Each cycle, per tool on its own project (tools alternate, the first one rotating): cold `up -d`, no-op `up -d`, `up -d` after one service\'s environment changed (a service nothing depends on), `down -v`. ' +
      'Every step is checked against the engine afterwards (all running, nothing recreated by a no-op, exactly one container replaced, nothing left after down); a failed check is a finding, not a sample.',
    '- Stack files: N services on `stack-test/busybox:1`, one user network, a named volume on every second service, depends_on chains of three in each block of ten, `init: true`, `sleep 3600` / `httpd -f`. The same file is given to stack and docker-compose (1.29 accepts it without `version:`).',
    '- The floor (bench/lib/floor.mjs): the same network, volumes and containers (same image, command, environment, labels, mounts, init) made with dockerode inside the bench process, no parsing, no planning, one DAG of single engine calls at the same parallelism; its time excludes any process start-up. Floor "one service changed" = list + stop + remove + create + start.',
    '',
  );
  for (const n of meta.notes) push(`> ${n}`);
  if (meta.notes.length) push('');

  push('## Medians', '', '| scenario | stack | docker-compose | floor | stack / docker-compose | stack / floor |', '|---|---:|---:|---:|---:|---:|');
  const row = (scenario, label = scenario, floorSeries = 'floor') => {
    const s = med(samples, scenario, 'stack');
    const c = med(samples, scenario, 'docker-compose');
    const f = med(samples, scenario, floorSeries);
    push(`| ${label} | ${fmtMs(s)} | ${fmtMs(c)} | ${fmtMs(f)} | ${fmtRatio(s, c)} | ${fmtRatio(s, f)} |`);
  };
  if (samples.startup) row('startup', '`--version` (floor: `node -e 0`)', 'node -e 0');
  for (const k of Object.keys(samples).filter((k) => k.startsWith('config ('))) row(k, `\`${k}\` (\`config -q\` for docker-compose)`);
  for (const k of lifecycleScenarios(samples)) row(k);
  push('');

  push('## Targets (reported, not asserted)', '', '| target | measured (medians) | |', '|---|---|---|', ...targets(samples, cpu), '');

  push('## All series (min / median / max)', '', '| scenario | series | runs | min | median | max |', '|---|---|---:|---:|---:|---:|');
  for (const [scenario, bySeries] of Object.entries(samples)) {
    for (const [series, values] of Object.entries(bySeries)) {
      const s = summary(values);
      push(`| ${scenario} | ${series} | ${s.n} | ${fmtMs(s.min)} | ${fmtMs(s.median)} | ${fmtMs(s.max)} |`);
    }
  }
  push('');

  push(
    '## CPU time of the client process (user + system, median)',
    '',
    'Wall time on a shared machine moves with everything else running; the CPU a command spends itself hardly does. The floor runs inside the bench process and has no figure here; `node -e 0` is the start-up baseline.',
    '',
    '| scenario | stack | stack (no cache) | stack (no CA) | docker-compose | node -e 0 | node -e 0 (no CA) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const [scenario, bySeries] of Object.entries(cpu)) {
    const m = (s) => fmtMs(summary(bySeries[s])?.median);
    push(`| ${scenario} | ${m('stack')} | ${m('stack (no cache)')} | ${m('stack (no CA)')} | ${m('docker-compose')} | ${m('node -e 0')} | ${m('node -e 0 (no CA)')} |`);
  }
  push('');

  push(...apiSection(apiCalls), ...profileSection(profiles));

  push('## Findings (failed runs and failed state checks)', '');
  if (findings.length === 0) push('None: every run exited 0 and left the engine in the expected state.');
  for (const f of findings) push(`- ${f.scenario}, ${f.series}: ${f.message.replace(/\n/g, ' ')}`);
  push('');

  push('## Analysis', '', keptAnalysis(file) ?? `${ANALYSIS_START}\n_Not written yet._\n${ANALYSIS_END}`, '');
  writeFileSync(file, lines.join('\n'));
}
