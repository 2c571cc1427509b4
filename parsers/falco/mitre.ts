import type { EcsEvent } from '../kit/ecs.ts';
import { TACTICS, threatOf } from '../kit/mitre-attack.ts';

export { TACTICS };

// Falco's rules tag tactics as `mitre_<name in snake case>` (mitre_execution, mitre_credential_access...).
const BY_TAG_NAME = new Map([...TACTICS].map(([id, name]) => [`mitre_${name.toLowerCase().replaceAll(' ', '_')}`, id]));

const TECHNIQUE = /^T\d{4}$/i;
const SUBTECHNIQUE = /^T\d{4}\.\d{3}$/i;
const TACTIC = /^TA\d{4}$/i;

/**
 * Falco rule tags → ECS threat.*: technique ids (T1059), sub-technique ids (T1059.004, whose parent
 * technique is listed too), tactics from TA0003 or mitre_persistence tags. Only tactics known in
 * the shared ATT&CK table are kept, so threat.tactic.id and .name stay aligned pair by pair;
 * technique names come from the same table.
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
  return threatOf({ tactics: [...tactics], techniques: [...techniques], subtechniques: [...subtechniques] });
}
