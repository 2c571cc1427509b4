import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.ts';
import { runStart } from './start.ts';
import { runCheckConfig } from './check-config.ts';
import { runDlq } from './dlq.ts';
import { runSendTest } from './send-test/send-test.ts';

const USAGE = `usage: vigil <command>

  start                               run vigil in the foreground (the default)
  check-config                        validate the configuration and print what would run
  dlq list|show|replay|purge <sink>   inspect or replay a sink's dead-letter queue
      --limit N                       entries to list or replay (default 100)
      --yes                           confirm purge
  send-test                           send realistic sample events to a running vigil
      --to udp|tcp|tls|http           listener to send to (default tcp)
      --type violation|threat|incident|audit|falco   sample (default violation)
      --host H --port P               target (default: this configuration's listeners on loopback)
      --count N                       events to send (default 1)
      --token-file F                  webhook token for http (default VIGIL_WEBHOOK_TOKEN[_FILE])
      --ca F | --insecure             verify vigil's TLS certificate with this CA, or not at all

The configuration is the YAML file named by VIGIL_CONFIG (default config/default.yaml),
overridden by environment variables (see README "Configuration").`;

async function main(argv: string[]): Promise<number> {
  // Everything vigil and its redis-server create (data dir, AOF, events.ndjson, sockets) is this
  // user's only: 0700 directories, 0600 files, whatever umask the shell or image left.
  process.umask(0o077);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      limit: { type: 'string' }, yes: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      to: { type: 'string' }, type: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, count: { type: 'string' },
      'token-file': { type: 'string' }, ca: { type: 'string' }, insecure: { type: 'boolean' },
    },
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
    case 'send-test':
      return runSendTest({
        to: values.to, type: values.type, host: values.host, port: values.port, count: values.count,
        tokenFile: values['token-file'], ca: values.ca, insecure: values.insecure,
      });
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
