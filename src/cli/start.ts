import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_UNCAUGHT, VigilError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { exposureWarnings } from '../config/exposure.ts';
import { dataDirError, startVigil } from '../main.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { Metrics } from '../metrics/metrics.ts';
import { alive } from '../redis/redis-server.ts';

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
  const vigil = await startVigil(config, logger, metrics).catch(async (error: unknown) => {
    lock.release();
    // The one line goes to stderr (vigil.ts); the log gets it too, for whoever reads only that.
    if (error instanceof VigilError) logger.fatal({ code: error.code }, error.message);
    else logger.fatal({ error }, 'vigil could not start');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
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
    process.exit(EXIT_UNCAUGHT);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}

/**
 * Two vigil processes on one data dir would run two redis-servers on one AOF: refuse the second.
 * The pid file is created exclusively (O_EXCL), so of two starting at once one wins; one left by
 * a crashed process (its pid gone) is taken over.
 */
function lockDataDir(dataDir: string): { release(): void } {
  const file = join(dataDir, 'vigil.pid');
  try {
    mkdirSync(dataDir, { recursive: true });
    for (;;) {
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' });
        return { release: () => rmSync(file, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && alive(pid)) {
        throw new VigilError('VIGIL_ERR_DATA_DIR_LOCKED', [`another vigil (pid ${pid}) is using the data dir ${dataDir}; stop it, or give this one its own VIGIL_DATA_DIR`]);
      }
      rmSync(file, { force: true });
    }
  } catch (error) {
    throw error instanceof VigilError ? error : dataDirError(dataDir, error);
  }
}
