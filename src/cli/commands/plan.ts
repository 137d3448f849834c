// `stack plan`: what `stack up` would change, and why, without changing anything. The text is
// the planner's own (`formatPlan`), one stable line per change grouped by service, so it can
// be reviewed, diffed and tested; `--json` gives the same plan as data.

import type { Command } from 'commander';
import { ExitCode, ExitRequest } from '../../errors.js';
import { optionsOf } from '../options.js';
import { addReconcileFlags, commandContext, reconcileOptionsFrom, type ReconcileFlags } from '../context.js';
import { addImageFlags, imageOptionsFrom, type ImageFlags } from '../image-flags.js';

interface PlanFlags extends ReconcileFlags, ImageFlags {
  readonly json?: boolean;
  readonly detailedExitcode?: boolean;
}

export function registerPlan(program: Command): Command {
  const cmd = program
    .command('plan')
    .description('show what `up` would change, and why, without changing anything')
    .argument('[services...]', 'only these services (and their dependencies, unless --no-deps)');
  addImageFlags(addReconcileFlags(cmd))
    .option('--json', 'print the plan as JSON')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when there are changes, 1 on error')
    .addHelpText(
      'after',
      `
Examples:
  stack plan                          what would \`stack up -d\` do here?
  stack plan web                      only web and what it depends on
  stack plan --scale worker=3         the plan with three workers
  stack plan --build                  what \`stack up --build\` would build
  stack plan --detailed-exitcode      in CI: exit 2 when the engine is not in step with the file
  stack plan --json | jq '.operations[].id'`,
    )
    .action(async (services: string[], _flags: PlanFlags, self: Command) => {
      const opts = optionsOf<PlanFlags>(self);
      const ctx = commandContext(opts, services);
      const reconcile = reconcileOptionsFrom(opts, services);
      const [{ plan, formatPlan, planToJson }, { paint }] = await Promise.all([import('../../stack/index.js'), import('../style.js')]);
      const result = await plan(
        {
          load: ctx.load,
          connect: ctx.connect,
          reconcile,
          ...imageOptionsFrom(opts),
          ...(ctx.target !== undefined ? { target: ctx.target } : {}),
          ...(opts.resolveImage !== undefined ? { resolveImage: opts.resolveImage } : {}),
        },
        // Model warnings arrive redacted through the hook; the plan text is on stdout alone.
        { onEvent: (e) => (e.type === 'model-warning' ? process.stderr.write(`warning: ${e.message}\n`) : undefined) },
      );
      if (opts.json) {
        const data: unknown = planToJson(result.plan);
        process.stdout.write((typeof data === 'string' ? data : JSON.stringify(data, null, 2)) + '\n');
      } else {
        const text = formatPlan(result.plan, { color: paint(process.stdout) });
        process.stdout.write(text.endsWith('\n') ? text : text + '\n');
      }
      if (opts.detailedExitcode && result.plan.operations.length > 0) throw new ExitRequest(ExitCode.planHasChanges);
    });
  return cmd;
}
