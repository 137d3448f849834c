// `stack config`: the stack file(s) as stack reads them — merged, interpolated, validated
// and normalised — printed as a Compose-like document, or one of its lists. Never talks to
// the engine. Warnings go to stderr (with --target swarm, also what a swarm cannot do); the loader is imported lazily so `stack --version`
// does not pay for yaml and the schema.

import { InvalidArgumentError, type Command } from 'commander';
import { optionsOf } from '../options.js';
import { commandContext } from '../context.js';

interface ConfigFlags {
  readonly format: 'yaml' | 'json';
  readonly services?: boolean;
  readonly volumes?: boolean;
  readonly networks?: boolean;
  readonly profiles?: boolean;
  readonly images?: boolean;
  readonly quiet?: boolean;
  readonly showSecrets?: boolean;
}

function format(value: string): 'yaml' | 'json' {
  if (value !== 'yaml' && value !== 'json') throw new InvalidArgumentError('expected yaml or json');
  return value;
}

export function registerConfig(program: Command): Command {
  return program
    .command('config')
    .description('print the stack file(s) as stack reads them: merged, interpolated, validated, in long syntax')
    .argument('[services...]', 'services to treat as selected (enables their profiles)')
    .option('--format <format>', 'yaml or json', format, 'yaml')
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profiles the services name, one per line')
    .option('--images', 'print the image of each service, one per line')
    .option('-q, --quiet', 'only validate: print nothing, exit 0 when valid, 65 when not')
    .option('--show-secrets', 'also print the inline contents of secrets and configs')
    .addHelpText(
      'after',
      `
Examples:
  stack config                           the whole model as YAML
  stack -f stack.yaml -f prod.yaml config   what the two files make together
  stack config -q                        validate only (exit 65 with file:line:col when invalid)
  stack config --services                one service name per line
  stack --profile debug config --services   including the services of profile "debug"
  stack config --format json | jq '.services.web.environment'`,
    )
    .action(async (services: string[], _flags: ConfigFlags, self: Command) => {
      const opts = optionsOf<ConfigFlags>(self);
      // The same loading as every other command (context.ts): -f, -p, profiles, env files,
      // stdin, and the model cache, so `config` shows exactly what `up` would use.
      const load = commandContext(opts, services).load;
      const lines = (items: Iterable<string>): void => {
        for (const item of items) process.stdout.write(`${item}\n`);
      };
      const warn = (warnings: readonly { message: string; location?: { file: string; line: number; col: number } }[]): void => {
        for (const w of warnings) {
          const where = w.location ? `${w.location.file}:${w.location.line}:${w.location.col}: ` : '';
          process.stderr.write(`warning: ${where}${w.message}\n`);
        }
      };

      const { composeDocument, load: loadModel, loadDocument } = await import('../../stack/index.js');
      if (opts.profiles) {
        // Profiles are listed from the merged document, valid or not for the active profiles.
        const loaded = await loadDocument(load);
        warn(loaded.warnings);
        lines(profilesOf(loaded.doc));
        return;
      }
      const model = await loadModel(load);
      warn(model.warnings);
      // --target swarm (or STACK_TARGET, x-stack.target): also what a swarm cannot do, as `plan` says it.
      const { resolveTarget, checkSwarmConfig } = await import('../../stack/index.js');
      if (resolveTarget(optionsOf<{ target?: string }>(self).target, process.env, model) === 'swarm') {
        warn((await checkSwarmConfig(model)).map((message) => ({ message })));
      }
      if (opts.quiet) return;
      if (opts.services) return lines(Object.keys(model.services).sort());
      if (opts.volumes) return lines(Object.keys(model.volumes).sort());
      if (opts.networks) return lines(Object.keys(model.networks).sort());
      if (opts.images) {
        return lines(
          Object.keys(model.services)
            .sort()
            .map((name) => model.services[name]!.image ?? `${model.projectName}-${name}`),
        );
      }
      const doc = await composeDocument(model, { showSecrets: opts.showSecrets === true });
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      const { stringify } = await import('yaml');
      process.stdout.write(stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
    });
}

function profilesOf(doc: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const services = doc.services;
  if (services && typeof services === 'object') {
    for (const svc of Object.values(services as Record<string, unknown>)) {
      const p = (svc as { profiles?: unknown } | null)?.profiles;
      if (Array.isArray(p)) for (const x of p) if (typeof x === 'string') found.add(x);
    }
  }
  return [...found].sort();
}
