import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readExtension } from '../../../parsers/cef/extension.ts';

const pairs = (text: string) => Object.fromEntries(readExtension(text, 0));

describe('CEF extension', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['splits key=value pairs on spaces', 'src=10.0.0.1 dpt=443 act=blocked', { src: '10.0.0.1', dpt: '443', act: 'blocked' }],
    ['lets a value hold spaces up to the next " key="', 'msg=a shell was spawned cs1=x', { msg: 'a shell was spawned', cs1: 'x' }],
    ['decodes \\=, \\\\, \\n and \\r', 'msg=a\\=b c\\\\d\\ne\\rf', { msg: 'a=b c\\d\ne\rf' }],
    ['keeps a backslash before any other character', 'filePath=C:\\Temp\\x msg=\\|', { filePath: 'C:\\Temp\\x', msg: '\\|' }],
    ['needs no escape for a pipe', 'msg=a|b', { msg: 'a|b' }],
    ['keeps an unescaped = that no key precedes inside the value', 'request=http://x/?a=b&c=d act=x', { request: 'http://x/?a=b&c=d', act: 'x' }],
    ['does not take an escaped = for a key boundary', 'msg=k\\=v x\\=y', { msg: 'k=v x=y' }],
    ['drops the spaces that separate, not those inside', 'msg=a  b   act=x  ', { msg: 'a  b', act: 'x' }],
    ['tolerates leading spaces', '  act=x', { act: 'x' }],
    ['reads an empty value', 'suser= dproc=bash', { suser: '', dproc: 'bash' }],
    ['reads a value that is only an escaped backslash at the end', 'msg=\\\\', { msg: '\\' }],
    ['accepts non-conforming keys with . , [ ] after the first character', 'ad.user[0]=x ad,y=z', { 'ad.user[0]': 'x', 'ad,y': 'z' }],
    ['keeps the last of a repeated key', 'act=a act=b', { act: 'b' }],
    ['ignores text before the first key', 'junk act=x', { act: 'x' }],
    ['takes no key from a token that starts with a non-key character', 'msg=x .y=z', { msg: 'x .y=z' }],
    ['reads nothing from an empty extension', '', {}],
  ];
  for (const [name, text, expected] of cases) test(name, () => assert.deepEqual(pairs(text), expected));

  test('keeps wire order', () => {
    assert.deepEqual([...readExtension('b=1 a=2 c=3', 0).keys()], ['b', 'a', 'c']);
  });
});
