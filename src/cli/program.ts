// The command line: global options and one file per command under ./commands. Commands only
// parse flags and render; the work is in the façade (src/stack/), loaded lazily by each action
// so that start-up costs only what the chosen command needs.

import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { disableColor } from './style.js';
import { commands } from './commands/index.js';
import type { GlobalOptions } from './options.js';

export function stackVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function positiveInt(value: string): number {
  const n = Number(value);
  // commander reports an InvalidArgumentError as a usage error (exit 64); any other error
  // would leave it as an unexpected one (70).
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}

export function buildProgram(): Command {
  const program = new Command('stack');
  program
    .description('Bring up, keep in step and tear down a multi-service stack on a Docker engine.\nReads stack.yaml, compose.yaml or docker-compose.yml unchanged.')
    .version(stackVersion(), '--version', 'print the version')
    .enablePositionalOptions()
    .option('-f, --file <path>', 'stack file to read (repeatable; "-" for stdin)', collect)
    .option('-p, --project-name <name>', 'project name (default: from the file or the directory)')
    .option('--project-directory <dir>', 'directory relative paths resolve against (default: the first file\'s directory)')
    .option('--profile <name>', 'enable a profile (repeatable)', collect)
    .option('--env-file <path>', 'read variables from this file instead of .env (repeatable)', collect)
    .option('-H, --host <url>', 'engine to talk to (like DOCKER_HOST)')
    .option('-c, --context <name>', 'Docker context to use (like DOCKER_CONTEXT)')
    .addOption(new Option('--target <target>', 'deploy to one engine (containers) or a Docker Swarm (services); also STACK_TARGET, or x-stack.target in the file').choices(['engine', 'swarm']))
    .option('--no-color', 'plain output without colours (also NO_COLOR=1)')
    .addOption(new Option('--progress <mode>', 'how progress is shown').choices(['auto', 'tty', 'plain', 'json', 'quiet']).default('auto'))
    .option('--parallel <n>', 'at most this many engine operations at once (default: follows the engine\'s CPUs)', positiveInt)
    .option('--debug', 'show stack traces and engine calls')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      'after',
      `
Examples:
  stack up -d                  bring the stack in this directory up, detached
  stack plan                   show what \`up\` would change, and why
  stack config                 print the stack file as stack reads it
  stack down -v                remove the stack and its named volumes
  stack -f a.yaml -f b.yaml up combine files, later ones override earlier ones`,
    );
  program.hook('preAction', (_this, action) => {
    const opts = action.optsWithGlobals() as GlobalOptions;
    if (!opts.color) disableColor();
  });
  for (const register of commands) {
    const cmd = register(program);
    cmd.exitOverride();
  }
  return program;
}
