import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from '../src/normalize/index.ts';
import { goldenCases, goldenRaws, readExpected, render } from './support/golden.ts';

// One test per fixture pair: a new fixture is a new test with no code.
for (const c of goldenCases()) {
  test(`golden ${c.format}/${c.name}`, () => {
    const actual = render(goldenRaws(c).flatMap((raw) => normalize(raw)));
    assert.equal(actual, readExpected(c, actual));
  });
}
