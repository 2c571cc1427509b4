import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TACTICS, threatFromTags } from '../../../parsers/falco/mitre.ts';

const cases: { name: string; tags: string[]; threat: unknown }[] = [
  { name: 'no MITRE tag gives no threat', tags: ['container', 'shell'], threat: undefined },
  { name: 'a technique tag and a mitre_ tactic tag', tags: ['T1059', 'container', 'mitre_execution'],
    threat: { framework: 'MITRE ATT&CK', tactic: { id: ['TA0002'], name: ['Execution'] },
      technique: { id: ['T1059'], name: ['Command and Scripting Interpreter'] } } },
  { name: 'a sub-technique also lists its parent technique', tags: ['T1059.004'],
    threat: { framework: 'MITRE ATT&CK', technique: { id: ['T1059'], name: ['Command and Scripting Interpreter'],
      subtechnique: { id: ['T1059.004'], name: ['Unix Shell'] } } } },
  { name: 'a TA tag and the mitre_ tag of the same tactic count once', tags: ['TA0003', 'mitre_persistence'],
    threat: { framework: 'MITRE ATT&CK', tactic: { id: ['TA0003'], name: ['Persistence'] } } },
  { name: 'multi-word tactic names', tags: ['mitre_command_and_control', 'mitre_privilege_escalation'],
    threat: { framework: 'MITRE ATT&CK', tactic: { id: ['TA0011', 'TA0004'], name: ['Command and Control', 'Privilege Escalation'] } } },
  { name: 'an unknown tactic id is left out so ids and names stay paired', tags: ['TA0099', 'T1611'],
    threat: { framework: 'MITRE ATT&CK', technique: { id: ['T1611'], name: ['Escape to Host'] } } },
  { name: 'a technique the shared table does not name keeps its id, and no list gets names that would pair wrongly',
    tags: ['T1611', 'T1999'], threat: { framework: 'MITRE ATT&CK', technique: { id: ['T1611', 'T1999'] } } },
  { name: 'an unnamed sub-technique leaves only the sub-technique names out',
    tags: ['T1059.999'], threat: { framework: 'MITRE ATT&CK', technique: { id: ['T1059'], name: ['Command and Scripting Interpreter'],
      subtechnique: { id: ['T1059.999'] } } } },
  { name: 'look-alikes are not techniques', tags: ['T12345', 'T1059.04', 'PCI_DSS_11.5.1', 'mitre_unknown'], threat: undefined },
];

for (const c of cases) {
  test(`threatFromTags: ${c.name}`, () => assert.deepEqual(threatFromTags(c.tags), c.threat));
}

test('the tactic table holds the 14 Enterprise tactics with distinct TA ids', () => {
  assert.equal(TACTICS.size, 14);
  for (const id of TACTICS.keys()) assert.match(id, /^TA\d{4}$/);
  assert.equal(new Set(TACTICS.values()).size, 14);
});

test('every tactic is found from its Falco mitre_ tag', () => {
  for (const [id, name] of TACTICS) {
    const tag = `mitre_${name.toLowerCase().replaceAll(' ', '_')}`;
    assert.deepEqual(threatFromTags([tag])?.tactic, { id: [id], name: [name] }, tag);
  }
});
