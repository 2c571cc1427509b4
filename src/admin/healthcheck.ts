import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadConfig } from '../config/load.ts';
import { isLoopback } from '../config/exposure.ts';

/**
 * The container's HEALTHCHECK: GET /healthz on the admin listener this configuration (file and
 * environment, as `vigil start` reads them) runs. Exits 0 when it answers 200, 1 otherwise.
 * Plain HTTP unless the admin listener has its own certificate; the webhooks' HTTPS never matters.
 */
export async function healthcheck(timeoutMs = 2500): Promise<boolean> {
  const { admin } = loadConfig().listen;
  if (admin.port === null) throw new Error('listen.admin.port is off: nothing to check');
  const https = Boolean(admin.tls.cert && admin.tls.key);
  // A wildcard bind is reached on loopback; a specific address only on itself.
  const host = admin.host === '0.0.0.0' || admin.host === '' ? '127.0.0.1' : admin.host === '::' ? '::1' : admin.host;
  const request = https ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request({
      host: host.replace(/^\[|\]$/g, ''), port: admin.port!, path: '/healthz', method: 'GET', timeout: timeoutMs,
      // Our own process on this machine: liveness, not identity, is what is checked here.
      ...(https ? { rejectUnauthorized: !isLoopback(host) } : {}),
    }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

if (import.meta.main) {
  healthcheck().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(`healthcheck: ${(error as Error).message.split('\n')[0]}`);
      process.exit(1);
    },
  );
}
