import type { EcsEvent } from './ecs.ts';

/**
 * MITRE ATT&CK Enterprise names shared by every source's mapping (Falco rule tags, the NeuVector
 * threat and incident table), so one id always carries one name.
 * Sources: https://attack.mitre.org/tactics/enterprise/ and each technique's page
 * https://attack.mitre.org/techniques/<id>/ (sub-techniques: .../<id>/<nnn>/), ATT&CK v15–v17.
 */

/** The 14 Enterprise tactics, id → name, in kill-chain order. */
export const TACTICS: ReadonlyMap<string, string> = new Map([
  ['TA0043', 'Reconnaissance'],
  ['TA0042', 'Resource Development'],
  ['TA0001', 'Initial Access'],
  ['TA0002', 'Execution'],
  ['TA0003', 'Persistence'],
  ['TA0004', 'Privilege Escalation'],
  ['TA0005', 'Defense Evasion'],
  ['TA0006', 'Credential Access'],
  ['TA0007', 'Discovery'],
  ['TA0008', 'Lateral Movement'],
  ['TA0009', 'Collection'],
  ['TA0011', 'Command and Control'],
  ['TA0010', 'Exfiltration'],
  ['TA0040', 'Impact'],
]);

/**
 * Techniques and sub-techniques by id: those the NeuVector table uses, and those Falco's default
 * rules tag (falco_rules.yaml and the incubating/sandbox rule files). An id missing here still
 * reaches threat.technique.id; it only goes without a name.
 */
export const TECHNIQUES: ReadonlyMap<string, string> = new Map([
  ['T1003', 'OS Credential Dumping'],
  ['T1003.008', '/etc/passwd and /etc/shadow'],
  ['T1014', 'Rootkit'],
  ['T1020', 'Automated Exfiltration'],
  ['T1027', 'Obfuscated Files or Information'],
  ['T1036', 'Masquerading'],
  ['T1046', 'Network Service Discovery'],
  ['T1048', 'Exfiltration Over Alternative Protocol'],
  ['T1053', 'Scheduled Task/Job'],
  ['T1053.003', 'Cron'],
  ['T1055', 'Process Injection'],
  ['T1059', 'Command and Scripting Interpreter'],
  ['T1059.004', 'Unix Shell'],
  ['T1068', 'Exploitation for Privilege Escalation'],
  ['T1070', 'Indicator Removal'],
  ['T1070.002', 'Clear Linux or Mac System Logs'],
  ['T1071', 'Application Layer Protocol'],
  ['T1071.004', 'DNS'],
  ['T1078', 'Valid Accounts'],
  ['T1082', 'System Information Discovery'],
  ['T1083', 'File and Directory Discovery'],
  ['T1090', 'Proxy'],
  ['T1095', 'Non-Application Layer Protocol'],
  ['T1098', 'Account Manipulation'],
  ['T1105', 'Ingress Tool Transfer'],
  ['T1106', 'Native API'],
  ['T1190', 'Exploit Public-Facing Application'],
  ['T1204', 'User Execution'],
  ['T1204.002', 'Malicious File'],
  ['T1485', 'Data Destruction'],
  ['T1489', 'Service Stop'],
  ['T1496', 'Resource Hijacking'],
  ['T1498', 'Network Denial of Service'],
  ['T1498.001', 'Direct Network Flood'],
  ['T1499', 'Endpoint Denial of Service'],
  ['T1499.001', 'OS Exhaustion Flood'],
  ['T1499.004', 'Application or System Exploitation'],
  ['T1543', 'Create or Modify System Process'],
  ['T1547', 'Boot or Logon Autostart Execution'],
  ['T1548', 'Abuse Elevation Control Mechanism'],
  ['T1552', 'Unsecured Credentials'],
  ['T1552.001', 'Credentials In Files'],
  ['T1555', 'Credentials from Password Stores'],
  ['T1556', 'Modify Authentication Process'],
  ['T1557', 'Adversary-in-the-Middle'],
  ['T1562', 'Impair Defenses'],
  ['T1562.001', 'Disable or Modify Tools'],
  ['T1565', 'Data Manipulation'],
  ['T1572', 'Protocol Tunneling'],
  ['T1574', 'Hijack Execution Flow'],
  ['T1574.006', 'Dynamic Linker Hijacking'],
  ['T1590', 'Gather Victim Network Information'],
  ['T1590.002', 'DNS'],
  ['T1609', 'Container Administration Command'],
  ['T1610', 'Deploy Container'],
  ['T1611', 'Escape to Host'],
  ['T1613', 'Container and Resource Discovery'],
  ['T1620', 'Reflective Code Loading'],
]);

/** Ids that a mapping found, each list without duplicates; tactic ids must be known (see TACTICS). */
export interface AttackIds {
  tactics: readonly string[];
  techniques: readonly string[];
  subtechniques: readonly string[];
}

/**
 * ECS threat.* from ATT&CK ids. ECS pairs threat.*.id and .name by position, so a list gets names
 * only when every id in it has one: a partial list would pair names with the wrong ids.
 */
export function threatOf(ids: AttackIds): EcsEvent['threat'] | undefined {
  if (!ids.tactics.length && !ids.techniques.length) return undefined;
  const threat: NonNullable<EcsEvent['threat']> = { framework: 'MITRE ATT&CK' };
  if (ids.tactics.length) threat.tactic = { id: [...ids.tactics], name: ids.tactics.map((id) => TACTICS.get(id)!) };
  if (ids.techniques.length) {
    const technique: NonNullable<NonNullable<EcsEvent['threat']>['technique']> = { id: [...ids.techniques] };
    const names = namesOf(ids.techniques);
    if (names) technique.name = names;
    if (ids.subtechniques.length) {
      technique.subtechnique = { id: [...ids.subtechniques] };
      const subNames = namesOf(ids.subtechniques);
      if (subNames) technique.subtechnique.name = subNames;
    }
    threat.technique = technique;
  }
  return threat;
}

function namesOf(ids: readonly string[]): string[] | undefined {
  const names: string[] = [];
  for (const id of ids) {
    const name = TECHNIQUES.get(id);
    if (name === undefined) return undefined;
    names.push(name);
  }
  return names;
}
