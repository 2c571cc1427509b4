import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from '../src/normalize/index.ts';
import { goldenCases, goldenRaw, readExpected, render } from './support/golden.ts';

// One test per fixture pair: a new fixture is a new test with no code.
for (const c of goldenCases()) {
  test(`golden ${c.format}/${c.name}`, () => {
    const actual = render(normalize(goldenRaw(c)));
    assert.equal(actual, readExpected(c, actual));
  });
}
