import { Option, type Command } from 'commander';
import { openCommandProject, wholeNumber } from '../project-request.js';
import { optionsOf } from '../options.js';
import { UsageError } from '../../errors.js';

export function registerPort(program: Command): Command {
  return program
    .command('port')
    .description('print the host address a container port is published on')
    .argument('<service>', 'the service')
    .argument('<port>', 'the port inside the container')
    .addOption(new Option('--protocol <protocol>', 'the port\'s protocol').choices(['tcp', 'udp', 'sctp']).default('tcp'))
    .option('--index <n>', 'which replica (container number)', wholeNumber('--index'), 1)
    .addHelpText('after', '\nExamples:\n  stack port web 80           e.g. 127.0.0.1:8080\n  stack port --index 2 web 80')
    .action(async (service: string, port: string, _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ protocol: string; index: number }>(cmd);
      const privatePort = Number(port);
      if (!Number.isInteger(privatePort) || privatePort < 1 || privatePort > 65535) throw new UsageError(`not a port number: "${port}"`);
      const { publishedPort } = await import('../../stack/index.js');
      const p = await openCommandProject(cmd, [service]);
      const address = await publishedPort(p, service, privatePort, { protocol: flags.protocol, index: flags.index });
      process.stdout.write(`${address}\n`);
    });
}
