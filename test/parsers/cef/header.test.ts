import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readHeader } from '../../../parsers/cef/header.ts';

const START = 'CEF:'.length;

describe('CEF header', () => {
  const cases: { name: string; text: string; fields: string[]; extension: string }[] = [
    {
      name: 'splits seven plain fields and points at the extension',
      text: 'CEF:0|Vendor|Product|1.0|100|Name|5|src=1.2.3.4',
      fields: ['0', 'Vendor', 'Product', '1.0', '100', 'Name', '5'], extension: 'src=1.2.3.4',
    },
    {
      name: 'decodes \\| and \\\\ and leaves = alone',
      text: 'CEF:0|Acme\\|Corp|Sensor\\\\X|1.0|100\\|200|Name with = sign and \\| pipe|7|msg=x',
      fields: ['0', 'Acme|Corp', 'Sensor\\X', '1.0', '100|200', 'Name with = sign and | pipe', '7'], extension: 'msg=x',
    },
    {
      name: 'keeps a backslash before any other character',
      text: 'CEF:0|V\\n|P|1|id|n|5|',
      fields: ['0', 'V\\n', 'P', '1', 'id', 'n', '5'], extension: '',
    },
    {
      name: 'reads an escaped backslash right before a separator as a backslash',
      text: 'CEF:0|V\\\\|P|1|id|n|5|',
      fields: ['0', 'V\\', 'P', '1', 'id', 'n', '5'], extension: '',
    },
    {
      name: 'accepts a header without a pipe after Severity (no extension)',
      text: 'CEF:1|V|P|1|id|n|High',
      fields: ['1', 'V', 'P', '1', 'id', 'n', 'High'], extension: '',
    },
    {
      name: 'keeps empty fields',
      text: 'CEF:0||||||5|',
      fields: ['0', '', '', '', '', '', '5'], extension: '',
    },
    {
      name: 'leaves pipes in the extension to the extension',
      text: 'CEF:0|V|P|1|id|n|5|msg=a|b',
      fields: ['0', 'V', 'P', '1', 'id', 'n', '5'], extension: 'msg=a|b',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const header = readHeader(c.text, START);
      assert.ok(typeof header !== 'number', `got ${header} fields`);
      assert.deepEqual(header.fields, c.fields);
      assert.equal(c.text.slice(header.extensionStart), c.extension);
    });
  }

  const short: [string, string, number][] = [
    ['counts the fields of a header cut short', 'CEF:0|V|P|1|id', 5],
    ['does not count an escaped pipe as a separator', 'CEF:0|V\\|P\\|1|id|n|5', 5],
    ['finds one field in text without pipes', 'CEF:garbage', 1],
  ];
  for (const [name, text, count] of short) test(name, () => assert.equal(readHeader(text, START), count));
});
