import fc from 'fast-check';

/** Nested arrays or objects `depth` levels deep (JSON parsers and recursive checks meet them). */
function nested(depth: number, asObject: boolean): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = asObject ? { a: value } : [value];
  return value;
}

const oddStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\uD800', // a lone surrogate: not valid UTF-16
  '\u202Eevil', // right-to-left override
  '\u200B\u200C\u200D\uFEFF', // zero-width characters
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  '👩🏽‍⚕️🇮🇩',
  'نص عربي',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '<script>alert(1)</script>',
  '{"$gt":""}',
  'null',
  'undefined',
  'NaN',
  '1e309',
  '-0',
  '0x1f',
  '2026-02-30T25:61:61Z',
  '2026-12-05T10:00:00+14:01',
  'Asia/Jakarta\u0000',
  'ObjectId("000000000000000000000000")',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
);

/**
 * One value of any of the kinds a hostile client sends where a schema wants
 * something else: wrong types, edge numbers, odd and huge text, deep nesting,
 * binary, operator objects, prototype keys.
 */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(null, undefined, true, false, 0, -1, -0, 1.5, 2 ** 53 + 1, -(2 ** 63), Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, 1e-320),
    oddStrings,
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.string({ unit: 'grapheme', maxLength: 32 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(20_000, 70_000, 300_000).map((size) => 'x'.repeat(size)),
    // Deeper still goes as raw text (deepJsonText): the test's own client libraries recurse over what they send.
    fc.constantFrom(100, 1_000).chain((depth) => fc.boolean().map((asObject) => nested(depth, asObject))),
    fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom({ $gt: '' }, { $ne: null }, { $regex: '.*' }, { $where: 'sleep(1000)' }, { toString: 'x', valueOf: 1 }),
    fc.constantFrom<unknown>(JSON.parse('{"__proto__":{"polluted":true}}'), JSON.parse('{"constructor":{"prototype":{"polluted":true}}}')),
    fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 5 }),
    fc.array(fc.constant(0), { minLength: 5_000, maxLength: 5_000 }),
    fc.anything({ maxDepth: 3, withBigInt: false, withNullPrototype: true, withObjectString: true }),
  );
}

/**
 * JSON nested far deeper than any client library would build it, as text (a
 * parser's and a recursive check's worst case): 4,000 levels fit the REST
 * body limit (16 kB), 20,000 the socket frame limit (64 kB), 200,000 neither.
 */
export const deepJsonText = fc.constantFrom(4_000, 20_000, 200_000).chain((depth) =>
  fc.constantFrom(`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);
