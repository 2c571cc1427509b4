import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.ts';
import { runStart } from './start.ts';
import { runCheckConfig } from './check-config.ts';
import { runDlq } from './dlq.ts';

const USAGE = `usage: vigil <command>

  start                               run vigil in the foreground (the default)
  check-config                        validate the configuration and print what would run
  dlq list|show|replay|purge <sink>   inspect or replay a sink's dead-letter queue
      --limit N                       entries to list or replay (default 100)
      --yes                           confirm purge

The configuration is the YAML file named by VIGIL_CONFIG (default config/default.yaml),
overridden by environment variables (see README "Configuration").`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { limit: { type: 'string' }, yes: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command = 'start', ...rest] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'start':
      return runStart();
    case 'check-config':
      return runCheckConfig();
    case 'dlq':
      return runDlq(rest, { limit: values.limit ? Number(values.limit) : 100, yes: values.yes === true });
    default:
      console.error(`vigil: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exitCode = 2;
    } else {
      console.error(`vigil: ${(error as Error)?.stack ?? String(error)}`);
      process.exitCode = 1;
    }
  },
);
