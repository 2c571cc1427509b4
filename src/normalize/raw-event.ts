/** What a listener hands to the batcher: framed and stamped, never parsed. */
export interface RawEvent {
  /** Registry name of the format that will parse it (parsers/index.ts): 'syslog', 'neuvector', 'falco', ... */
  format: string;
  /** The message after framing (syslog) or the request body (webhooks). */
  text: string;
  /** When vigil received it, epoch milliseconds. */
  receivedAt: number;
  input: 'udp' | 'tcp' | 'tls' | 'http';
  /** Listener id: 'syslog-udp', 'syslog-tcp', 'syslog-tls', 'http'. */
  listener: string;
  /** The sending peer, 'ip:port'. */
  peer: string;
  /** The sender's client certificate, when the listener verified one (mTLS); becomes tls.client.*. */
  client?: ClientIdentity;
  /**
   * The Kubernetes cluster a webhook sender named in `?cluster=`: Falco and the API server's audit
   * webhook say no cluster name of their own. Becomes orchestrator.cluster.name when the event has none.
   */
  cluster?: string;
  /** Set at framing time: 'truncated', 'invalid_utf8'. */
  tags?: string[];
}

/** Who a verified client certificate names; normalised as ECS tls.client.* (src/normalize). */
export interface ClientIdentity {
  /** Distinguished name, as node prints it, one RDN per `, `: 'CN=falco, O=example'. */
  subject: string;
  commonName?: string;
  /** Subject alternative names with their type, as node prints them: 'DNS:falco.example', 'URI:spiffe://...'. */
  alternativeNames?: string[];
}
