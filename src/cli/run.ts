import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { VigilError } from '../config/errors.ts';
import { closest } from '../config/issues.ts';
import { sinks } from '../sinks/index.ts';
import { loadConfig } from '../config/load.ts';
import { runStart } from './start.ts';
import { runCheckConfig } from './check-config.ts';
import { runDlq, DLQ_ACTIONS } from './dlq.ts';
import { DEAD_LETTER_REASONS } from '../pipeline/dlq.ts';
import { packageInfo } from './package-info.ts';
import { runSendTest } from '../send-test/send-test.ts';
import { runTap } from './tap.ts';
import { runTop } from './top.ts';
import { runStatus } from './status.ts';

const USAGE = `usage: vigil <command>

  start                               run vigil in the foreground (the default)
  check-config                        validate the configuration and print what would run
  dlq list|show|replay|purge <sink>   inspect or replay a sink's dead-letter queue
      --limit N                       entries to list, show or replay (default 100)
      --all                           replay every dead letter (in chunks, with progress)
      --chunk N                       events per re-queued batch (default 1000)
      --reason R                      only dead letters with this reason (${DEAD_LETTER_REASONS.join(', ')})
      --json                          one JSON document on stdout
      --yes                           confirm purge
  status                              the live nodes of this deployment (role, version, rates, health)
      --json                          one JSON document on stdout
  send-test                           send realistic sample events to a running vigil
      --to udp|tcp|tls|http           listener to send to (default tcp)
      --type violation|threat|incident|audit|falco   sample (default violation)
      --host H --port P               target (default: this configuration's listeners on loopback)
      --count N                       events to send (default 1)
      --token-file F                  webhook token for http (default VIGIL_WEBHOOK_TOKEN[_FILE])
      --ca F | --insecure             verify vigil's TLS certificate with this CA, or not at all
  tap                                 stream the events being processed now, from any node
      --dataset D --module M          only events of this dataset or module
      --severity S --source A         only events of this log.level, or from this source (ip[:port] prefix)
      --sink S                        only events queued for this sink
      --original                      show each event's original message beside its ECS form
      --json                          NDJSON: one line per event, and per "skipped" marker
      --limit N                       stop after N events
  top                                 live view of listeners, formats, sinks, queues, dead letters
      --all                           every node of the deployment, not only the one asked
      --once                          print one screen and exit
      --interval S                    seconds between screens (default 2)
  tap and top options:
      --url U                         admin listener (default: this configuration's, on loopback)
      --token-file F                  admin token (default VIGIL_ADMIN_TOKEN[_FILE])
      --ca F | --insecure             verify an HTTPS admin listener with this CA, or not at all
  --version, -V                       print vigil's version
  --help, -h                          print this help

The configuration is the YAML file named by VIGIL_CONFIG (default config/default.yaml),
overridden by environment variables (see docs/configuration.md). Wrong usage exits 2.`;

interface Command {
  options: ParseArgsOptionsConfig;
  /** Positional arguments it takes after its name. */
  positionals: number;
  run(args: string[], values: Record<string, string | boolean | undefined>): Promise<number> | number;
}

/**
 * Sink names a dead-letter queue may belong to: every type's own name, and the instances the
 * configuration names (`sinks.soc`). A configuration that does not load adds none here; the
 * command itself then says what is wrong with it.
 */
function sinkNames(): string[] {
  let configured: string[] = [];
  try {
    configured = Object.keys(loadConfig().sinks);
  } catch {
    // reported by the command that loads it
  }
  return [...new Set([...Object.keys(sinks), ...configured])];
}

const ADMIN_OPTIONS: ParseArgsOptionsConfig = {
  url: { type: 'string' }, 'token-file': { type: 'string' }, ca: { type: 'string' }, insecure: { type: 'boolean' },
};

function adminFlags(values: Record<string, string | boolean | undefined>) {
  return { url: values.url as string | undefined, tokenFile: values['token-file'] as string | undefined, ca: values.ca as string | undefined, insecure: values.insecure === true };
}

const FILTERS = ['dataset', 'module', 'severity', 'source', 'sink'] as const;

const COMMANDS: Record<string, Command> = {
  'start': { options: {}, positionals: 0, run: () => runStart() },
  'check-config': { options: {}, positionals: 0, run: () => runCheckConfig() },
  'dlq': {
    options: {
      limit: { type: 'string' }, all: { type: 'boolean' }, chunk: { type: 'string' }, reason: { type: 'string' },
      json: { type: 'boolean' }, yes: { type: 'boolean' },
    },
    positionals: 2,
    run: ([action, sink], values) => {
      if (!action || !sink) throw usage('dlq needs an action and a sink: vigil dlq list|show|replay|purge <sink>');
      if (!(DLQ_ACTIONS as readonly string[]).includes(action)) throw usage(`dlq: unknown action "${action}"${hint(action, DLQ_ACTIONS)} (one of ${DLQ_ACTIONS.join(', ')})`);
      const known = sinkNames();
      if (!known.includes(sink)) throw usage(`dlq: unknown sink "${sink}"${hint(sink, known)} (one of ${known.join(', ')})`);
      const reason = values.reason as string | undefined;
      if (reason !== undefined && !(DEAD_LETTER_REASONS as readonly string[]).includes(reason)) {
        throw usage(`dlq: unknown reason "${reason}"${hint(reason, DEAD_LETTER_REASONS)} (one of ${DEAD_LETTER_REASONS.join(', ')})`);
      }
      if (values.all && action !== 'replay') throw usage('dlq: --all is for replay (list and show take --limit)');
      if (values.chunk !== undefined && action !== 'replay') throw usage('dlq: --chunk is for replay');
      if (values.all && values.limit !== undefined) throw usage('dlq: --all or --limit, not both');
      const limit = values.all ? Infinity : values.limit === undefined ? 100 : wholeNumber('--limit', values.limit as string, 1, 1_000_000);
      const chunk = values.chunk === undefined ? 1000 : wholeNumber('--chunk', values.chunk as string, 1, 10_000);
      return runDlq(action as (typeof DLQ_ACTIONS)[number], sink, { limit, chunk, reason, json: values.json === true, yes: values.yes === true });
    },
  },
  'status': { options: { json: { type: 'boolean' } }, positionals: 0, run: (_args, values) => runStatus({ json: values.json === true }) },
  'send-test': {
    options: {
      to: { type: 'string' }, type: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, count: { type: 'string' },
      'token-file': { type: 'string' }, ca: { type: 'string' }, insecure: { type: 'boolean' },
    },
    positionals: 0,
    run: (_args, values) => runSendTest({
      to: values.to as string | undefined, type: values.type as string | undefined, host: values.host as string | undefined,
      port: values.port === undefined ? undefined : wholeNumber('--port', values.port as string, 1, 65535),
      count: values.count === undefined ? undefined : wholeNumber('--count', values.count as string, 1, 10_000),
      tokenFile: values['token-file'] as string | undefined, ca: values.ca as string | undefined, insecure: values.insecure as boolean | undefined,
    }),
  },
  'tap': {
    options: {
      ...ADMIN_OPTIONS, dataset: { type: 'string' }, module: { type: 'string' }, severity: { type: 'string' }, source: { type: 'string' },
      sink: { type: 'string' }, original: { type: 'boolean' }, json: { type: 'boolean' }, limit: { type: 'string' },
    },
    positionals: 0,
    run: (_args, values) => {
      const filter = Object.fromEntries(FILTERS.flatMap((key) => (typeof values[key] === 'string' ? [[key, values[key]]] : [])));
      return runTap({
        ...adminFlags(values), filter, original: values.original === true, json: values.json === true,
        limit: values.limit === undefined ? undefined : wholeNumber('--limit', values.limit as string, 1, 1_000_000_000),
      });
    },
  },
  'top': {
    options: { ...ADMIN_OPTIONS, all: { type: 'boolean' }, once: { type: 'boolean' }, interval: { type: 'string' } },
    positionals: 0,
    run: (_args, values) => runTop({
      ...adminFlags(values), all: values.all === true, once: values.once === true,
      intervalSeconds: values.interval === undefined ? 2 : wholeNumber('--interval', values.interval as string, 1, 3600),
    }),
  },
};

const GLOBAL_OPTIONS: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } };

async function main(argv: string[]): Promise<number> {
  // Everything vigil and its redis-server create (data dir, AOF, events.ndjson, sockets) is this
  // user's only: 0700 directories, 0600 files, whatever umask the shell or image left.
  process.umask(0o077);
  // The command is the first word; with none (or only options) it is start.
  const named = argv[0] !== undefined && !argv[0].startsWith('-');
  const name = named ? argv[0] : 'start';
  const command = COMMANDS[name];
  if (!command) throw usage(`unknown command "${name}"${hint(name, Object.keys(COMMANDS))} (one of ${Object.keys(COMMANDS).join(', ')})`);
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv.slice(named ? 1 : 0), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(describeParseError(error as NodeJS.ErrnoException, name, options));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    console.log(`vigil ${packageInfo().version}`);
    return 0;
  }
  if (positionals.length > command.positionals) throw usage(`${name}: unexpected argument "${positionals[command.positionals]}"`);
  return command.run(positionals, values as Record<string, string | boolean | undefined>);
}

function usage(message: string): VigilError {
  return new VigilError('VIGIL_ERR_USAGE', [`${message}; see vigil --help`]);
}

function hint(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  return near ? `; did you mean ${near}?` : '';
}

/** A whole number in [min, max] from an option's text, or a usage error naming the option. */
function wholeNumber(option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw usage(`${option} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

/** node:util parseArgs errors are several sentences; one line names the option and the command. */
function describeParseError(error: NodeJS.ErrnoException, command: string, options: ParseArgsOptionsConfig): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const known = Object.keys(options);
      const near = closest(option.replace(/^-+/, ''), known);
      return `${command}: unknown option ${option}${near ? `; did you mean --${near}?` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${command}: ${option} ${/argument missing/.test(error.message) ? 'needs a value' : 'takes no value'}`;
    default:
      return `${command}: ${error.message.split('\n')[0]}`;
  }
}

/**
 * Expected failures (VigilError) end in one line and their documented exit status; anything else
 * keeps its stack (exit 1). The exit is explicit: a failed start can leave handles open (a Redis
 * client retrying, a worker thread) that must not keep a half-started process alive.
 */
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof VigilError) {
      console.error(`vigil: ${error.message}`);
      process.exit(error.exitStatus);
    }
    console.error(`vigil: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
