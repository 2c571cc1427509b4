/**
 * Expected failures: each has a code, the exit status vigil ends with, and a message naming what
 * to fix, printed without a stack. docs/errors.md lists every code with its exit status;
 * a test keeps them in step. Anything else that ends vigil is a bug and keeps its stack (exit 1,
 * or 70 when it escaped every handler of a running vigil). Statuses above 2 follow sysexits.h.
 */
export const ERRORS = {
  VIGIL_ERR_USAGE: { exit: 2, meaning: 'the command line names an unknown command or option, or gives a bad value' },
  VIGIL_ERR_CONFIG_READ: { exit: 2, meaning: 'the config file cannot be read' },
  VIGIL_ERR_CONFIG_YAML: { exit: 2, meaning: 'the config file is not valid YAML' },
  VIGIL_ERR_CONFIG_INVALID: { exit: 2, meaning: 'a config key is unknown, has an invalid value, or has a ${VAR} that is not set' },
  VIGIL_ERR_CONFIG_ENV: { exit: 2, meaning: 'an environment variable has an invalid value' },
  VIGIL_ERR_SINK_UNKNOWN: { exit: 2, meaning: 'sinks.<name> names no known sink' },
  VIGIL_ERR_WEBHOOK_UNAUTHENTICATED: { exit: 2, meaning: 'a webhook route without auth would listen on a non-loopback address' },
  VIGIL_ERR_REDIS_NOT_SHARED: { exit: 2, meaning: 'a split role (ingest, process or deliver) has no shared Redis and would run alone on an embedded one' },
  VIGIL_ERR_SINK_SET_MISMATCH: { exit: 2, meaning: 'the enabled sinks differ from those of the live nodes of the deployment' },
  VIGIL_ERR_REDIS_UNAVAILABLE: { exit: 69, meaning: 'Redis did not answer within redis.connect_timeout_ms (EX_UNAVAILABLE)' },
  VIGIL_ERR_LISTEN: { exit: 71, meaning: 'a listener cannot bind its address: port in use, or not permitted (EX_OSERR)' },
  VIGIL_ERR_REDIS_MISSING: { exit: 72, meaning: 'the embedded redis-server executable is not installed (EX_OSFILE)' },
  VIGIL_ERR_DATA_DIR: { exit: 73, meaning: 'the data dir cannot be created or written (EX_CANTCREAT)' },
  VIGIL_ERR_DATA_DIR_LOCKED: { exit: 75, meaning: 'another vigil is running on the same data dir (EX_TEMPFAIL)' },
  VIGIL_ERR_NODE_VERSION: { exit: 78, meaning: 'the Node.js running vigil is older than package.json "engines" asks (EX_CONFIG)' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** The exit status of a bug that escaped every handler of a running vigil (EX_SOFTWARE). */
export const EXIT_UNCAUGHT = 70;

/** An expected failure: printed as its message alone, and vigil exits with `exitStatus`. */
export class VigilError extends Error {
  readonly code: ErrorCode;
  /** One line per problem, each naming the key or thing to fix (`listen.http_port: ...`). */
  readonly problems: string[];

  constructor(code: ErrorCode, problems: string[]) {
    // One problem is one line; several are listed under the code's meaning, one per line.
    super(problems.length === 1 ? `${code}: ${problems[0]}` : `${code}: ${ERRORS[code].meaning}\n  ${problems.join('\n  ')}`);
    this.name = 'VigilError';
    this.code = code;
    this.problems = problems;
  }

  get exitStatus(): number {
    return ERRORS[this.code].exit;
  }
}

export class ConfigError extends VigilError {
  constructor(code: ErrorCode, problems: string[]) {
    super(code, problems);
    this.name = 'ConfigError';
  }
}
