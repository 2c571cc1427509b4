// The normalised event: ECS 8.x field names (see docs/events.md).
// Only the field sets vigil fills are typed; each source's native fields live under
// its module namespace (neuvector.*, falco.*, kubernetes.audit.*, alertmanager.*, cef.*).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json } | RawJsonNumber;
/** A number that JSON.parse could not hold exactly (JSON.rawJSON); JSON.stringify writes its digits back. */
export interface RawJsonNumber { readonly rawJSON: string }

export interface EcsEvent {
  '@timestamp'?: string;
  message?: string;
  tags?: string[];
  labels?: Record<string, string>;
  ecs?: { version: string };
  event?: {
    id?: string;
    code?: string;
    original?: string;
    created?: string;
    ingested?: string;
    kind?: 'alert' | 'event' | 'state' | 'metric' | 'pipeline_error';
    category?: string[];
    type?: string[];
    action?: string;
    outcome?: 'success' | 'failure' | 'unknown';
    severity?: number;
    risk_score?: number;
    module?: string;
    dataset?: string;
    provider?: string;
    reason?: string;
    reference?: string;
    start?: string;
    end?: string;
    count?: number;
    sequence?: number;
    timezone?: string;
  };
  log?: {
    level?: string;
    source?: { address?: string };
    syslog?: {
      priority?: number;
      facility?: { code?: number; name?: string };
      severity?: { code?: number; name?: string };
      hostname?: string;
      appname?: string;
      procid?: string;
      msgid?: string;
      version?: string;
      structured_data?: Record<string, Record<string, string | string[]>>;
    };
  };
  error?: { message?: string; type?: string };
  input?: { type: 'udp' | 'tcp' | 'tls' | 'http' };
  /** The sender's verified client certificate (mTLS), set by vigil, never by a parser. */
  tls?: { client?: { subject?: string; x509?: { subject?: { common_name?: string[] }; alternative_names?: string[] } } };
  observer?: { vendor?: string; product?: string; hostname?: string; type?: string; version?: string };
  host?: { hostname?: string; name?: string; id?: string; ip?: string[] };
  orchestrator?: {
    type?: string;
    cluster?: { name?: string };
    namespace?: string;
    resource?: { name?: string; type?: string; parent?: { type?: string } };
    api_version?: string;
  };
  container?: { id?: string; name?: string; image?: { name?: string; tag?: string[]; hash?: { all?: string[] } } };
  /** Every IP, user, host and hash the event names (parsers/kit/related.ts). */
  related?: { ip?: string[]; user?: string[]; hosts?: string[]; hash?: string[] };
  process?: {
    name?: string; executable?: string; command_line?: string; pid?: number; args?: string[];
    parent?: { name?: string; executable?: string; command_line?: string; pid?: number };
    user?: { id?: string; name?: string };
    real_user?: { id?: string; name?: string };
  };
  package?: { name?: string; version?: string; fixed_version?: string };
  file?: { path?: string; name?: string };
  source?: Endpoint;
  destination?: Endpoint;
  network?: { transport?: string; protocol?: string; direction?: string; iana_number?: string; type?: string };
  rule?: { id?: string; name?: string; description?: string; category?: string; ruleset?: string };
  user?: {
    id?: string; name?: string; domain?: string; roles?: string[]; email?: string;
    effective?: { id?: string; name?: string; roles?: string[] };
  };
  user_agent?: { original?: string };
  url?: { original?: string; path?: string };
  http?: { request?: { method?: string }; response?: { status_code?: number } };
  vulnerability?: {
    id?: string; severity?: string; description?: string; reference?: string; category?: string[];
    score?: { base?: number; version?: string }; scanner?: { vendor?: string };
  };
  threat?: {
    framework?: string;
    tactic?: { id?: string[]; name?: string[]; reference?: string[] };
    technique?: { id?: string[]; name?: string[]; reference?: string[]; subtechnique?: { id?: string[]; name?: string[] } };
  };
  [namespace: string]: unknown;
}

export interface Endpoint { ip?: string; port?: number; address?: string; domain?: string; user?: { name?: string; id?: string } }
