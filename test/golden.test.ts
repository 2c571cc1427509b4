import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from '../src/normalize/index.ts';
import { indexTemplate } from '../src/sinks/elasticsearch/template.ts';
import { templatePatterns } from '../src/sinks/elasticsearch/data-stream.ts';
import { IndexMapping } from './support/doubles/elasticsearch-mapping.ts';
import { goldenCases, goldenRaws, readExpected, render } from './support/golden.ts';

// One test per fixture pair: a new fixture is a new test with no code.
for (const c of goldenCases()) {
  test(`golden ${c.format}/${c.name}`, () => {
    const actual = render(goldenRaws(c).flatMap((raw) => normalize(raw)));
    assert.equal(actual, readExpected(c, actual));
  });
}

// Every golden document, as the sinks serialise it, fits the index template vigil installs: the
// fields the template types (cef.extensions ports, addresses and times, event.severity...) hold
// values of their type, so Elasticsearch would index each event rather than reject it.
test('every golden event fits the index template', () => {
  const properties = indexTemplate(templatePatterns()).template.mappings.properties;
  let checked = 0;
  for (const c of goldenCases()) {
    const events = JSON.parse(render(goldenRaws(c).flatMap((raw) => normalize(raw)))) as unknown[];
    events.forEach((event, i) => {
      // A fresh mapping per document: the template alone decides, not the order fixtures run in.
      const error = new IndexMapping(properties).check(event, `${c.format}/${c.name}#${i}`);
      assert.equal(error, undefined, `${c.format}/${c.name}#${i}: ${error?.reason}`);
      checked++;
    });
  }
  assert.ok(checked > 90, `${checked} events`);
});

test('the template types cef.extensions by the CEF dictionary', () => {
  const mapping = new IndexMapping(indexTemplate(templatePatterns()).template.mappings.properties);
  assert.equal(mapping.kindOf('cef.extensions.sourcePort'), 'long');
  assert.equal(mapping.kindOf('cef.extensions.eventId'), 'long');
  assert.equal(mapping.kindOf('cef.extensions.sourceAddress'), 'ip');
  assert.equal(mapping.kindOf('cef.extensions.deviceCustomIPv6Address1'), 'ip');
  assert.equal(mapping.kindOf('cef.extensions.deviceReceiptTime'), 'date');
  assert.equal(mapping.kindOf('cef.extensions.deviceCustomFloatingPoint1'), 'float');
  assert.equal(mapping.kindOf('cef.extensions.deviceCustomString1'), undefined, 'strings are left to the keyword dynamic template');
  const rejected = mapping.check({ cef: { extensions: { sourcePort: 'http' } } }, 'bad');
  assert.match(rejected?.reason ?? '', /cef\.extensions\.sourcePort/, 'a typed field refuses a value of another type');
});
