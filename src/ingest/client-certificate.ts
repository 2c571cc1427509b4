import type tls from 'node:tls';
import type { ClientIdentity } from '../normalize/raw-event.ts';

/**
 * The identity of a client certificate the listener verified against its CA; undefined when the
 * client sent none or it was not verified (such a client is never served an identity).
 */
export function verifiedClientIdentity(socket: tls.TLSSocket): ClientIdentity | undefined {
  if (!socket.authorized) return undefined;
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return undefined;
  const rdns = certificate.subject.split('\n').filter(Boolean);
  const identity: ClientIdentity = { subject: rdns.join(', ') };
  const cn = rdns.find((rdn) => rdn.startsWith('CN='));
  if (cn) identity.commonName = cn.slice(3);
  const names = certificate.subjectAltName?.split(', ').filter(Boolean);
  if (names?.length) identity.alternativeNames = names;
  return identity;
}

/** Whether the client sent a certificate at all (with requestCert and rejectUnauthorized false, node serves either way). */
export function sentClientCertificate(socket: tls.TLSSocket): boolean {
  return socket.getPeerX509Certificate() !== undefined;
}
