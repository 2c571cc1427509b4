import type { EcsEvent } from '../ecs.ts';

/**
 * The 14 MITRE ATT&CK Enterprise tactics, id → name, in kill-chain order.
 * Source: https://attack.mitre.org/tactics/enterprise/ (ATT&CK v15–v17 list the same 14).
 */
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

// Falco's rules tag tactics as `mitre_<name in snake case>` (mitre_execution, mitre_credential_access...).
const BY_TAG_NAME = new Map([...TACTICS].map(([id, name]) => [`mitre_${name.toLowerCase().replaceAll(' ', '_')}`, id]));

const TECHNIQUE = /^T\d{4}$/i;
const SUBTECHNIQUE = /^T\d{4}\.\d{3}$/i;
const TACTIC = /^TA\d{4}$/i;

/**
 * Falco rule tags → ECS threat.*: technique ids (T1059), sub-technique ids (T1059.004, whose parent
 * technique is listed too), tactics from TA0003 or mitre_persistence tags. Only tactics known above
 * are kept, so threat.tactic.id and .name stay aligned pair by pair.
 */
export function threatFromTags(tags: readonly string[]): EcsEvent['threat'] | undefined {
  const techniques = new Set<string>();
  const subtechniques = new Set<string>();
  const tactics = new Set<string>();
  for (const tag of tags) {
    if (TECHNIQUE.test(tag)) techniques.add(tag.toUpperCase());
    else if (SUBTECHNIQUE.test(tag)) {
      subtechniques.add(tag.toUpperCase());
      techniques.add(tag.slice(0, 5).toUpperCase());
    } else if (TACTIC.test(tag) && TACTICS.has(tag.toUpperCase())) tactics.add(tag.toUpperCase());
    else {
      const id = BY_TAG_NAME.get(tag.toLowerCase());
      if (id) tactics.add(id);
    }
  }
  if (!techniques.size && !tactics.size) return undefined;
  const threat: NonNullable<EcsEvent['threat']> = { framework: 'MITRE ATT&CK' };
  if (tactics.size) threat.tactic = { id: [...tactics], name: [...tactics].map((id) => TACTICS.get(id)!) };
  if (techniques.size) {
    threat.technique = { id: [...techniques] };
    if (subtechniques.size) threat.technique.subtechnique = { id: [...subtechniques] };
  }
  return threat;
}
