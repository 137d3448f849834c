// Reading a command line before commander does (boot.cts: which command's compiled code to
// load; ssh-predial.cts: whether to start the engine's ssh early). ONE list of the global
// options that take a value, so the two never disagree on which word is the command.
//
// CommonJS (.cts): boot.cts loads it before the bundle, without the ES module loader.

/** Global options that take a value: the word after them is not the command (program.ts). */
export const GLOBAL_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set([
  '-f', '--file', '-p', '--project-name', '--project-directory', '--profile', '--env-file',
  '-H', '--host', '-c', '--context', '--target', '--progress', '--parallel',
]);

/**
 * The command word (the first word that is neither an option nor an option's value) and the
 * global options before it, as written (`--host=x`, `-H`...). Global options only count before
 * the command: the program uses commander's positional options. No command before `--`.
 */
export function splitCommandLine(argv: readonly string[]): { readonly command?: string; readonly globalOptions: readonly string[] } {
  const globalOptions: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('-')) return { command: arg, globalOptions };
    globalOptions.push(arg);
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) i++;
  }
  return { globalOptions };
}
