import type { EcsEvent } from '../kit/ecs.ts';
import { threatOf, type AttackIds } from '../kit/mitre-attack.ts';

/**
 * NeuVector threat and incident names → MITRE ATT&CK, only where the detection is the technique
 * itself. Names not listed get no threat.*: a guess would mislead an analyst more than a gap.
 *
 * Sources: the threat and incident names are NeuVector's (LogThreatMap and LogIncidentMap in
 * controller/common/common.go of github.com/neuvector/neuvector; listed in the NeuVector docs under
 * Policy → Response Rules, "Complete list of categoried criteria"); each mapping follows the
 * technique's description on https://attack.mitre.org/techniques/<id>/.
 *
 * Left out on purpose: protocol hygiene findings (SSL.Version.2or3, SSL.TLS1.0/1.1, SSH.Version.1),
 * malformed-packet and IDS-evasion signatures without an ATT&CK technique (Invalid.Packet.Format,
 * TCP.SYN.With.Data, TCP.Split.Handshake, TCP.No.Client.Data, TCP.Small.Window,
 * HTTP.Negative.Body.Length, HTTP.Request.Smuggling, SSL.Cipher.Overflow, DNS.Stack.Overflow),
 * limits and failures that need not be an attack (Source.IP.Session.Limit, MySQL.Access.Deny),
 * user-defined DLP/WAF sensors (DLP.*, WAF.*), and incidents that report a deviation from a learned
 * profile rather than a technique (Process.Profile.Violation, Host.Process.Violation,
 * *.Suspicious.Process, *.FileAccess.Violation, *.Package.Updated).
 */

const IMPACT = 'TA0040';
const INITIAL_ACCESS = 'TA0001';
const COMMAND_AND_CONTROL = 'TA0011';

function ids(tactics: string[], technique?: string, subtechnique?: string): AttackIds {
  return { tactics, techniques: technique ? [technique] : [], subtechniques: subtechnique ? [subtechnique] : [] };
}

const THREATS: ReadonlyMap<string, AttackIds> = new Map([
  // T1499.001 names the SYN flood as its example: the target's TCP state table is exhausted.
  ['TCP.SYN.Flood', ids([IMPACT], 'T1499', 'T1499.001')],
  // T1498.001: high-volume packets, ICMP named among the protocols used.
  ['ICMP.Flood', ids([IMPACT], 'T1498', 'T1498.001')],
  // Malformed packets that crash the target's IP stack (T1499.004).
  ['Ping.Death', ids([IMPACT], 'T1499', 'T1499.004')],
  ['IP.Fragment.Teardrop', ids([IMPACT], 'T1499', 'T1499.004')],
  // Denial of service of the endpoint, the sub-technique depending on how the target falls over.
  ['TCP.SACK.DDoS.With.Small.MSS', ids([IMPACT], 'T1499')],
  ['HTTP.Request.Slowloris', ids([IMPACT], 'T1499')],
  ['DNS.Loop.Pointer', ids([IMPACT], 'T1499')],
  // Exploits of the service the traffic reaches (T1190).
  ['SQL.Injection', ids([INITIAL_ACCESS], 'T1190')],
  ['Apache.Struts.Remote.Code.Execution', ids([INITIAL_ACCESS], 'T1190')],
  ['SSL.Heartbleed', ids([INITIAL_ACCESS], 'T1190')],
  // Command and control carried inside DNS (T1071.004; NULL records are iodine's transport) or ICMP (T1095).
  ['DNS.Tunneling', ids([COMMAND_AND_CONTROL], 'T1071', 'T1071.004')],
  ['DNS.Type.Null', ids([COMMAND_AND_CONTROL], 'T1071', 'T1071.004')],
  ['ICMP.Tunneling', ids([COMMAND_AND_CONTROL], 'T1095')],
  // AXFR hands over every record of a zone: gathering the victim's DNS (T1590.002).
  ['DNS.Zone.Transfer', ids(['TA0043'], 'T1590', 'T1590.002')],
  // CVE-2020-8554: a Service's externalIPs intercept the cluster's traffic to those IPs (T1557).
  ['K8S.externalIPs.MitM', ids(['TA0006', 'TA0009'], 'T1557')],
]);

const INCIDENTS: ReadonlyMap<string, AttackIds> = new Map([
  // A process gained root it was not started with; how (exploit, setuid, sudo) is not reported,
  // so the tactic only.
  ['Host.Privilege.Escalation', ids(['TA0004'])],
  ['Container.Privilege.Escalation', ids(['TA0004'])],
  // A process tunnelling another protocol (e.g. iodine over DNS): T1572.
  ['Host.Tunnel.Detected', ids([COMMAND_AND_CONTROL], 'T1572')],
  ['Container.Tunnel.Detected', ids([COMMAND_AND_CONTROL], 'T1572')],
]);

/** threat.* for a threat or incident name, or undefined where there is no sound mapping. */
export function attackOf(dataset: 'threat' | 'incident', name: string | undefined): EcsEvent['threat'] | undefined {
  if (!name) return undefined;
  const found = (dataset === 'threat' ? THREATS : INCIDENTS).get(name);
  return found && threatOf(found);
}

/** For tests: every name the table maps. */
export const MAPPED_NAMES: Readonly<Record<'threat' | 'incident', readonly string[]>> = {
  threat: [...THREATS.keys()],
  incident: [...INCIDENTS.keys()],
};
