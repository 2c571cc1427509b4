/** What a listener hands to the batcher: framed and stamped, never parsed. */
export interface RawEvent {
  /** Registry name of the format that will parse it (parsers/index.ts): 'syslog', 'neuvector', 'falco', ... */
  format: string;
  /** The message after framing (syslog) or the request body (webhooks). */
  text: string;
  /** The message's UTF-8 bytes, when the listener kept them (BytesRawEvent): the raw batch copies these. */
  bytes?: Buffer;
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

/**
 * A RawEvent whose message arrived as bytes (a syslog stream frame). Its text is decoded only if
 * something reads it: on the listeners' thread nothing does, and the raw batch copies the bytes.
 * A held event lives until Redis has its batch, long enough to reach V8's old generation, where a
 * decoded ~1 KB string per event was half of what that thread's full collections had to clear.
 */
export class BytesRawEvent implements RawEvent {
  format: string;
  receivedAt: number;
  input: RawEvent['input'];
  listener: string;
  peer: string;
  client?: ClientIdentity;
  cluster?: string;
  tags?: string[];
  readonly bytes: Buffer;

  constructor(origin: Omit<RawEvent, 'text' | 'bytes'>, bytes: Buffer) {
    this.format = origin.format;
    this.receivedAt = origin.receivedAt;
    this.input = origin.input;
    this.listener = origin.listener;
    this.peer = origin.peer;
    this.client = origin.client;
    this.cluster = origin.cluster;
    this.tags = origin.tags;
    this.bytes = bytes;
  }

  /** UTF-8, with U+FFFD replacements where the bytes were not UTF-8 (decoded again at each read: nothing on the hot path reads it). */
  get text(): string {
    return this.bytes.toString('utf8');
  }

  /** A plain RawEvent, as JSON.stringify and spreads would otherwise miss the text. */
  toJSON(): RawEvent {
    const plain: RawEvent = { format: this.format, text: this.text, receivedAt: this.receivedAt, input: this.input, listener: this.listener, peer: this.peer };
    if (this.client !== undefined) plain.client = this.client;
    if (this.cluster !== undefined) plain.cluster = this.cluster;
    if (this.tags !== undefined) plain.tags = this.tags;
    return plain;
  }
}
