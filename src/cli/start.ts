import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { exposureWarnings } from '../config/webhook-auth.ts';
import { startVigil } from '../main.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { alive } from '../pipeline/redis-server.ts';

/** `vigil start`: runs in the foreground until SIGTERM or SIGINT, then stops gracefully and exits 0. */
export async function runStart(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log_level, format: config.log_format });
  exitOnUncaught(logger);
  const lock = lockDataDir(config.data_dir);
  const metrics = new Metrics({
    defaultMetrics: true,
    securityLabels: config.labels,
  });
  const vigil = await startVigil(config, logger, metrics).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  const listening = Object.fromEntries(Object.entries(vigil.addresses).map(([k, a]) => [k, `${a!.address}:${a!.port}`]));
  logger.info({ role: config.role, listening, sinks: vigil.sinks, dataDir: config.data_dir }, 'Vigil started');
  // Loud on purpose: each of these accepts forged events from whoever can reach the port.
  for (const warning of exposureWarnings(config)) logger.warn({ exposure: true }, `UNAUTHENTICATED INPUT: ${warning}`);

  // SIGHUP: read the TLS and HTTPS certificates again now (they are also polled for changes).
  const onHangup = () => {
    logger.info('SIGHUP: reloading certificates');
    vigil.reloadCertificates();
  };
  process.on('SIGHUP', onHangup);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'Stopping: no new input, flushing in-flight batches to Redis');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  process.off('SIGHUP', onHangup);
  await vigil.stop();
  lock.release();
  logger.info('Vigil stopped');
  logger.flush();
  return 0;
}

/**
 * A bug that escapes every handler must not leave a half-working process behind: it is logged
 * loudly (log line and stderr) and the process exits 70 so a supervisor restarts it. What was
 * acknowledged is in Redis; what a listener held unacknowledged the sender will resend.
 */
function exitOnUncaught(logger: Logger): void {
  const die = (kind: string) => (error: unknown) => {
    logger.fatal({ error }, `${kind}: vigil exits`);
    logger.flush();
    process.stderr.write(`vigil: ${kind}: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(70);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}

/**
 * Two vigil processes on one data dir would run two redis-servers on one AOF: refuse the second.
 * A pid file from a crashed process (its pid gone) is taken over.
 */
function lockDataDir(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'vigil.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid && pid !== process.pid && alive(pid)) {
      throw new Error(`another vigil (pid ${pid}) is using the data dir ${dataDir}; stop it or set VIGIL_DATA_DIR`);
    }
  }
  writeFileSync(file, String(process.pid));
  return { release: () => rmSync(file, { force: true }) };
}
