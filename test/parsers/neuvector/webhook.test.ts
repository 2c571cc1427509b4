import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeOf, parse, parseOne, syslogBody, webhookBody } from './support.ts';

// Webhook bodies (neuvector.md §4) carry the same struct as syslog, wrapped four ways; the struct
// read from a webhook must equal the one read from the syslog body of the same event.

/** The struct fields of a syslog body, without the notification key a webhook may not have. */
function structOf(syslogName: string): Record<string, unknown> {
  const { notification, ...struct } = nativeOf(syslogBody(syslogName));
  void notification;
  return struct;
}

function withoutMeta(native: Record<string, unknown>): Record<string, unknown> {
  const { notification, webhook_type, cluster, comment, response_rule_id, ...struct } = native;
  void notification; void webhook_type; void cluster; void comment; void response_rule_id;
  return struct;
}

/** The JSON a syslog_in_json body holds, as a webhook JSON body would carry it after its prefix. */
function jsonStruct(syslogName: string): string {
  const body = syslogBody(syslogName);
  return body.slice(body.indexOf('", ') + 3); // after {"notification": "<type>", 
}

/** The kv text after `notification=<type>,`. */
function kvStruct(syslogName: string): string {
  const body = syslogBody(syslogName);
  return body.slice(body.indexOf(',') + 1);
}

const TYPED_SAMPLES = [
  ['tcp-lf-violation-01', 'json-violation-02', 'violation'],
  ['tcp-lf-threat-01', 'json-threat-01', 'threat'],
  ['tcp-lf-incident-01', 'json-incident-01', 'incident'],
  ['tcp-lf-audit-04', 'json-audit-04', 'audit'],
  ['tcp-lf-event-01', 'json-event-01', 'event'],
  ['tcp-lf-activity-01', 'json-activity-01', 'activity'],
] as const;

describe('NeuVector webhook bodies', () => {
  for (const [kvName, jsonName, dataset] of TYPED_SAMPLES) {
    test(`a key-value webhook without notification= is recognised as ${dataset} by its keys`, () => {
      const event = parseOne(`level=WARNING,cluster=c1,${kvStruct(kvName)}`);
      assert.equal(event.event?.dataset, `neuvector.${dataset}`);
      const native = event.neuvector as Record<string, unknown>;
      assert.equal(native.webhook_type, 'key-value');
      assert.equal(native.cluster, 'c1');
      assert.deepEqual(withoutMeta(native), structOf(kvName));
    });

    test(`a JSON webhook without a notification key is recognised as ${dataset} by its keys`, () => {
      const event = parseOne(`{"cluster":"c1",${jsonStruct(jsonName)}`);
      assert.equal(event.event?.dataset, `neuvector.${dataset}`);
      assert.deepEqual(withoutMeta(event.neuvector as Record<string, unknown>), structOf(kvName));
    });
  }

  test('a key-value webhook comment holding a comma and = is read up to the struct', () => {
    const native = nativeOf(`level=CRITICAL,cluster=prod, eu=1,comment=escalate to SOC, ticket=SEC-1234,${kvStruct('tcp-lf-threat-01')}`);
    assert.equal(native.cluster, 'prod, eu=1');
    assert.equal(native.comment, 'escalate to SOC, ticket=SEC-1234');
    assert.equal(native.message, 'SQL Injection, application=1001');
  });

  test('the key-value webhook sample gives the violation with its duplicate level resolved to the struct level', () => {
    const native = nativeOf(webhookBody('webhook-kv-violation-01.txt'));
    assert.equal(native.level, 'Warning');
    assert.equal(native.response_rule_id, 1002);
    assert.deepEqual(withoutMeta(native), structOf('tcp-lf-violation-01'));
  });

  test('invalid JSON from an unescaped cluster name and comment is repaired, keeping both as sent', () => {
    const event = parseOne(webhookBody('webhook-json-invalid-01.json'));
    const native = event.neuvector as Record<string, unknown>;
    assert.equal(native.cluster, 'prod "blue" \\ eu');
    assert.equal(native.comment, 'on-call: "payments" team\nrunbook RB-7');
    assert.equal(native.cluster_name, 'prod "blue" \\ eu');
    assert.equal(event.event?.dataset, 'neuvector.violation');
    assert.equal(native.policy_action, 'deny');
  });

  test('a repaired comment that itself holds ,"level":" is kept whole', () => {
    const body = `{"cluster":"a"b","comment":"x","level":"y" z",${jsonStruct('json-threat-01')}`;
    assert.throws(() => JSON.parse(body));
    const native = nativeOf(body);
    assert.equal(native.cluster, 'a"b');
    assert.equal(native.comment, 'x","level":"y" z');
    assert.equal(native.threat_id, 2022);
  });

  test('the ≤ 5.4.2 JSON prefix {"level":"<LEVEL>","cluster":...} gives the struct level and the cluster', () => {
    const native = nativeOf(`{"level":"CRITICAL","cluster":"c1",${jsonStruct('json-threat-01')}`);
    assert.equal(native.level, 'Critical');
    assert.equal(native.cluster, 'c1');
  });

  test('the ≤ 5.4.2 JSON prefix with an unescaped cluster is repaired too', () => {
    const native = nativeOf(`{"level":"CRITICAL","cluster":"say "hi"",${jsonStruct('json-violation-01')}`);
    assert.equal(native.cluster, 'say "hi"');
    assert.equal(native.policy_id, 10042);
  });

  test('a Slack body gives the kv event after >>>, with cluster from the username and the rule comment', () => {
    const kv = syslogBody('tcp-lf-threat-01');
    const body = JSON.stringify({
      text: `*Threat: CRITICAL level, Comment: wake up, now*\n_SQL.Injection -> wordpress_\n_cluster: c1, client namespace: _\n>>> ${kv}`,
      username: 'NeuVector - c1',
    });
    const native = nativeOf(body);
    assert.equal(native.webhook_type, 'slack');
    assert.equal(native.cluster, 'c1');
    assert.equal(native.comment, 'wake up, now');
    assert.deepEqual(withoutMeta(native), structOf('tcp-lf-threat-01'));
  });

  test('a Teams body gives the kv event after >, with cluster from the detail line', () => {
    const kv = syslogBody('tcp-lf-event-03');
    const body = JSON.stringify({
      text: `Enforcer.Disconnect\n> ${kv}`,
      title: 'Event: NOTICE level, Comment: ops\ncluster: east-1, namespace: , image: , node: worker-3, time: x',
    });
    const event = parseOne(body);
    const native = event.neuvector as Record<string, unknown>;
    assert.equal(native.webhook_type, 'teams');
    assert.equal(native.cluster, 'east-1');
    assert.equal(native.comment, 'ops');
    assert.equal(event.event?.dataset, 'neuvector.event');
    assert.deepEqual(withoutMeta(native), structOf('tcp-lf-event-03'));
  });

  test('a Slack activity (sent as notification=event) lands in the activity dataset', () => {
    const kv = syslogBody('tcp-lf-activity-01').replace('notification=activity,', 'notification=event,');
    const event = parseOne(JSON.stringify({ text: `*Event: INFO level*\n_Container.Start_\n>>> ${kv}`, username: 'NeuVector - c' }));
    assert.equal(event.event?.dataset, 'neuvector.activity');
    assert.equal((event.neuvector as Record<string, unknown>).notification, 'event');
  });

  const failures: [string, string][] = [
    ['a Slack text without notification=', JSON.stringify({ text: '*Threat: CRITICAL level*\n_x_', username: 'NeuVector - c' })],
    ['JSON with none of the keys of a NeuVector struct', '{"cluster":"c","hello":"world"}'],
    ['a JSON array', '[1,2,3]'],
    ['invalid JSON with no struct to repair', '{"cluster":"a"b"'],
    ['plain text', 'hello world'],
    ['a key-value webhook whose struct never starts', 'level=WARNING,cluster=c,comment=x'],
    ['notification= without any field', 'notification=threat'],
  ];
  for (const [name, body] of failures) {
    test(`${name} is a failure with a reason, not an exception`, () => {
      const result = parse(body);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.match(result.reason, /\S/);
        assert.equal(result.partial?.event?.module, 'neuvector');
      }
    });
  }
});

test('a JSON body never yields an empty field name, which Elasticsearch refuses (found by the property test)', () => {
  const body = '{"notification":"event","name":"User.Login","level":"Info","reported_at":"2025-06-03T14:07:10Z","cluster_name":"c",'
    + '"category":"AUTH","user":"zoe","user_roles":{"":"admin"},"message":"User zoe login","":"x","extra":[{"":1,"a":{"":2,"b":3}}]}';
  const event = parseOne(body);
  assert.ok(!JSON.stringify(event).includes('"":'), 'empty field name');
  assert.deepEqual((event.neuvector as Record<string, unknown>).extra, [{ a: { b: 3 } }], 'the rest of an unknown value is kept');
});

test('a nested __proto__ key in an unknown JSON field stays an ordinary field, content and all', () => {
  const body = `{"notification": "violation", ${jsonStruct('json-violation-02').slice(0, -1)}, "vendor_extra": {"__proto__": {"polluted": "yes"}, "kept": 1}}`;
  const extra = nativeOf(body).vendor_extra as Record<string, unknown>;
  assert.deepEqual(Object.keys(extra), ['__proto__', 'kept']);
  assert.equal(Object.getPrototypeOf(extra), Object.prototype, 'no prototype was set');
  assert.equal((extra as { polluted?: unknown }).polluted, undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(extra)), JSON.parse('{"__proto__": {"polluted": "yes"}, "kept": 1}'));
});
