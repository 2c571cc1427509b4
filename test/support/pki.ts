import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM contents of a throwaway PKI, and the directory holding them as files (`<name>.crt`, `<name>.key`). */
export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  strangerCert: string;
  strangerKey: string;
  /** Issues another server certificate for 127.0.0.1 from the test CA (for reload tests); PEM contents. */
  issueServer(name: string): { cert: string; key: string };
  remove(): void;
}

/** A throwaway CA, a server certificate for 127.0.0.1 and client certificates, made by the openssl CLI. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const selfSignedCa = (name: string) =>
    openssl('req', '-x509', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
  const issue = (name: string, ca: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  };
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const serverExtensions = 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  selfSignedCa('test-ca');
  selfSignedCa('stranger-ca');
  issue('server', 'test-ca', serverExtensions);
  issue('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  issue('stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca: read('test-ca.crt'), serverCert: read('server.crt'), serverKey: read('server.key'),
    clientCert: read('client.crt'), clientKey: read('client.key'),
    strangerCert: read('stranger.crt'), strangerKey: read('stranger.key'),
    issueServer(name) {
      issue(name, 'test-ca', serverExtensions);
      return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A throwaway self-signed server certificate for 127.0.0.1, as PEM files in `dir` (clients then need --insecure or it as CA). */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'pipe' });
  return { cert, key };
}
