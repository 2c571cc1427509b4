import { readFileSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { ConfigError } from '../config/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** PEM files of a TLS listener. */
export interface TlsFiles {
  cert: string;
  key: string;
  /** CA bundle client certificates must chain to (mTLS). */
  ca?: string;
}

export interface TlsPem {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/**
 * Reads and checks a listener's PEM files: throws when a file is missing, a PEM is invalid or the
 * key does not belong to the certificate (createSecureContext refuses them), so a bad file never
 * replaces a good context.
 */
export function readTlsFiles(files: TlsFiles): TlsPem {
  const pem: TlsPem = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
  if (files.ca) pem.ca = readFileSync(files.ca);
  tls.createSecureContext(pem);
  return pem;
}

export interface TlsReloader {
  /** Reads the files again and applies them; false (previous context kept, error logged) when they are bad. */
  reload(): boolean;
  stop(): void;
}

export interface TlsReloaderOptions {
  /** Listener id, for logs and metrics. */
  listener: string;
  files: TlsFiles;
  /** Serve new connections with these (tls.Server#setSecureContext). */
  apply: (pem: TlsPem) => void;
  metrics: Metrics;
  logger: Logger;
  /** How often the files' mtime/size are looked at; 0 polls never (SIGHUP only). */
  pollIntervalMs: number;
}

/**
 * Certificate rotation without restart (cert-manager, ACME): polls the files' stat and reloads
 * when any changed, and on reload() (SIGHUP). Polling stat rather than fs.watch: watchers miss
 * Kubernetes' atomic symlink swap of mounted secrets, and a stat every few seconds costs nothing.
 * Connections already open keep the certificate they negotiated.
 */
export function watchTlsFiles(options: TlsReloaderOptions): TlsReloader {
  const { listener, files, metrics } = options;
  const log = options.logger.child({ listener });
  let seen = signature(files);
  let timer: NodeJS.Timeout | undefined;

  function reload(): boolean {
    seen = signature(files);
    let pem: TlsPem;
    try {
      pem = readTlsFiles(files);
      options.apply(pem);
    } catch (error) {
      metrics.tlsReloads.inc({ listener, result: 'failed' });
      log.error({ error, cert: files.cert, key: files.key, ca: files.ca }, 'Certificate reload failed: still serving the previous certificate');
      return false;
    }
    metrics.tlsReloads.inc({ listener, result: 'ok' });
    recordExpiry(metrics, listener, pem.cert);
    log.info({ cert: files.cert }, 'Certificate reloaded');
    return true;
  }

  metrics.tlsReloads.inc({ listener, result: 'ok' }, 0);
  metrics.tlsReloads.inc({ listener, result: 'failed' }, 0);
  if (options.pollIntervalMs > 0) {
    timer = setInterval(() => {
      if (signature(files) !== seen) reload();
    }, options.pollIntervalMs);
    timer.unref();
  }
  return {
    reload,
    stop() {
      clearInterval(timer);
    },
  };
}

/** Sets the certificate-expiry gauge from the first certificate of a PEM chain. */
export function recordExpiry(metrics: Metrics, listener: string, cert: Buffer): void {
  try {
    metrics.tlsCertExpiry.set({ listener }, Math.floor(Date.parse(new X509Certificate(cert).validTo) / 1000));
  } catch {
    // createSecureContext accepted it, so this is a format X509Certificate does not read: no gauge then.
  }
}

function signature(files: TlsFiles): string {
  return [files.cert, files.key, files.ca].map((file) => {
    if (!file) return '';
    try {
      const stat = statSync(file);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }).join('|');
}

/** A listener's certificate files; one that cannot be read names its key. */
export function readPem(key: string, files: { cert: string; key: string; ca?: string }): TlsPem {
  try {
    return readTlsFiles(files);
  } catch (error) {
    if (!(error as NodeJS.ErrnoException).code) throw error;
    throw new ConfigError('VIGIL_ERR_CONFIG_INVALID', [`${key}: ${(error as Error).message}`]);
  }
}
