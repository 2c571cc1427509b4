import type tls from 'node:tls';

/**
 * What every vigil TLS listener (syslog over TLS, HTTPS webhooks) accepts. TLS 1.2 is limited to
 * Mozilla's "intermediate" suites (Server Side TLS guidelines 5.7): forward-secret AEAD only, so no
 * static-RSA key exchange and no CBC with SHA-1, which node's default list still allows through
 * its `HIGH` entry. The TLS 1.3 suites are node's defaults, listed because node applies the TLS_
 * names of this string as the TLS 1.3 list. DHE suites need `dhparam`, which vigil does not set,
 * so in practice they are unused.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384', 'DHE-RSA-CHACHA20-POLY1305',
].join(':');

export const MIN_TLS_VERSION: tls.SecureVersion = 'TLSv1.2';
