import fc from 'fast-check';

/**
 * A sample with a few random splices (remove some characters, insert a few of `chars`): close to
 * valid, so the deep paths of a parser run. Shared by the parsers' property tests.
 */
export function splicedSamples(
  samples: readonly string[],
  options: { chars: fc.Arbitrary<string>; maxRemove: number; maxInsert: number; maxEdits: number },
): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: options.maxRemove }), insert: fc.string({ unit: options.chars, maxLength: options.maxInsert }) });
  return fc.tuple(fc.constantFrom(...samples), fc.array(edit, { maxLength: options.maxEdits })).map(([sample, edits]) => {
    let text = sample;
    for (const { at, remove, insert } of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + insert + text.slice(i + remove);
    }
    return text;
  });
}
