/**
 * The documented rules of Lambda event filtering, as cases: each pattern with records it must match
 * and records it must not, or a pattern AWS refuses. Every case names where the rule comes from:
 *
 * - "Lambda guide": AWS Lambda Developer Guide, "Control which events Lambda sends to your function"
 *   and its DynamoDB and SQS filtering pages;
 * - "EventBridge guide": Amazon EventBridge User Guide, "Creating event patterns" and "Comparison
 *   operators for use in event patterns" (Lambda filtering uses the same pattern language);
 * - "Lambda API reference": the `Filter` type of the Lambda API;
 * - "event-ruler": AWS's open-source matching engine (github.com/aws/event-ruler), its README or the
 *   named class, for what the guides leave unsaid.
 *
 * The rules are restated in this project's words; nothing here is copied from those texts.
 */

export interface MatchingCase {
  rule: string;
  source: string;
  pattern: Record<string, unknown>;
  matches: unknown[];
  misses: unknown[];
}

export interface RefusedCase {
  rule: string;
  source: string;
  pattern: unknown;
  /** What the refusal must say. */
  reason: RegExp;
}

/** A DynamoDB stream record in Lambda's shape, reduced to what filters look at. */
function streamRecord(eventName: string, newImage?: Record<string, unknown>, keys: Record<string, unknown> = { pk: { S: 'ORDER#1' } }) {
  return { eventName, dynamodb: { Keys: keys, ...(newImage ? { NewImage: newImage } : {}) } };
}

export const MATCHING_CASES: MatchingCase[] = [
  // Exact values and the shape of a pattern
  {
    rule: 'A field lists the values it accepts; the record matches when its value equals one of them.',
    source: 'EventBridge guide, event pattern values',
    pattern: { eventName: ['MODIFY', 'INSERT'] },
    matches: [{ eventName: 'INSERT' }, { eventName: 'MODIFY' }],
    misses: [{ eventName: 'REMOVE' }, { eventName: 'insert' }, {}],
  },
  {
    rule: 'Every field a pattern names must match (AND), at the same nesting as in the record.',
    source: 'EventBridge guide, event pattern structure',
    pattern: { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: ['ORDER#1'] } } } },
    matches: [streamRecord('INSERT')],
    misses: [streamRecord('MODIFY'), streamRecord('INSERT', undefined, { pk: { S: 'ORDER#2' } }), { eventName: 'INSERT', pk: { S: 'ORDER#1' } }],
  },
  {
    rule: 'Values match by JSON type: a number matches numbers only, a string strings only; numbers compare by value.',
    source: 'EventBridge guide, event pattern values; event-ruler JsonRuleCompiler (numbers in patterns also match numerically)',
    pattern: { amount: [10] },
    matches: [{ amount: 10 }, { amount: 10.0 }, { amount: 1e1 }],
    misses: [{ amount: '10' }, { amount: 11 }, { amount: true }],
  },
  {
    rule: 'true, false and null match the JSON literals only, never the strings or 1/0.',
    source: 'EventBridge guide, null values and empty strings; Lambda guide, filter rule syntax (Null)',
    pattern: { flag: [true], gone: [null] },
    matches: [{ flag: true, gone: null }],
    misses: [{ flag: 'true', gone: null }, { flag: 1, gone: null }, { flag: true, gone: 'null' }, { flag: true }],
  },
  {
    rule: 'An empty string matches an empty string only, and null is not an empty string.',
    source: 'EventBridge guide, null values and empty strings; Lambda guide, filter rule syntax (Empty)',
    pattern: { note: [''] },
    matches: [{ note: '' }],
    misses: [{ note: null }, { note: ' ' }, {}],
  },
  // String operators
  {
    rule: 'prefix matches strings that begin with the text, case-sensitively; never numbers.',
    source: 'EventBridge guide, prefix matching; Lambda guide, filter rule syntax (Begins with)',
    pattern: { sk: [{ prefix: 'OUTBOX#' }] },
    matches: [{ sk: 'OUTBOX#0001' }, { sk: 'OUTBOX#' }],
    misses: [{ sk: 'outbox#0001' }, { sk: 'STATE' }, { sk: 1 }],
  },
  {
    rule: 'prefix with equals-ignore-case ignores case.',
    source: 'EventBridge guide, prefix matching while ignoring case',
    pattern: { sk: [{ prefix: { 'equals-ignore-case': 'outbox#' } }] },
    matches: [{ sk: 'OUTBOX#1' }, { sk: 'Outbox#1' }],
    misses: [{ sk: 'STATE' }],
  },
  {
    rule: 'suffix matches strings that end with the text; with equals-ignore-case it ignores case.',
    source: 'EventBridge guide, suffix matching (and while ignoring case); Lambda guide (Ends with)',
    pattern: { file: [{ suffix: '.png' }], name: [{ suffix: { 'equals-ignore-case': '.JPG' } }] },
    matches: [{ file: 'a.png', name: 'b.jpg' }],
    misses: [{ file: 'a.PNG', name: 'b.jpg' }, { file: 'a.png', name: 'b.gif' }],
  },
  {
    rule: 'equals-ignore-case compares strings without regard to case.',
    source: 'EventBridge guide, equals-ignore-case matching',
    pattern: { status: [{ 'equals-ignore-case': 'placed' }] },
    matches: [{ status: 'PLACED' }, { status: 'Placed' }],
    misses: [{ status: 'PLACED ' }, { status: 'CANCELLED' }],
  },
  {
    rule: 'wildcard: * stands for any run of characters, newlines included, and the whole value must match.',
    source: 'EventBridge guide, wildcard matching; event-ruler matches bytes, so * crosses a newline',
    pattern: { path: [{ wildcard: 'dir/*.png' }] },
    matches: [{ path: 'dir/a.png' }, { path: 'dir/.png' }, { path: 'dir/a\nb.png' }],
    misses: [{ path: 'dir/a.png.bak' }, { path: 'other/a.png' }, { path: 5 }],
  },
  {
    rule: 'wildcard: \\* is a literal asterisk and \\\\ a literal backslash.',
    source: 'EventBridge guide, wildcard matching (escaping); event-ruler WildcardParser',
    pattern: { a: [{ wildcard: 'x\\*y' }], b: [{ wildcard: 'c:\\\\*' }] },
    matches: [{ a: 'x*y', b: 'c:\\temp' }],
    misses: [{ a: 'xzy', b: 'c:\\temp' }, { a: 'x\\*y', b: 'c:\\temp' }, { a: 'x*y', b: 'c:temp' }],
  },
  // anything-but
  {
    rule: 'anything-but with a value matches every value except that one, whatever its type, but never a missing field.',
    source: 'EventBridge guide, anything-but matching; event-ruler ByteMachine (string exclusions do not apply to numbers)',
    pattern: { state: [{ 'anything-but': 'initializing' }] },
    matches: [{ state: 'running' }, { state: 5 }, { state: true }, { state: null }],
    misses: [{ state: 'initializing' }, {}],
  },
  {
    rule: 'anything-but with a list excludes every value listed; a number exclusion leaves the string alone.',
    source: 'EventBridge guide, anything-but matching (lists); event-ruler ByteMachine',
    pattern: { code: [{ 'anything-but': [100, 200] }] },
    matches: [{ code: 300 }, { code: '100' }],
    misses: [{ code: 100 }, { code: 200.0 }],
  },
  {
    rule: 'anything-but with prefix, suffix, equals-ignore-case or wildcard excludes the strings those match, and only strings.',
    source: 'EventBridge guide, anything-but with begins with / ends with / ignore case / wildcard',
    pattern: {
      region: [{ 'anything-but': { prefix: 'us-' } }],
      file: [{ 'anything-but': { suffix: ['.png', '.jpg'] } }],
      state: [{ 'anything-but': { 'equals-ignore-case': ['stopped', 'overloaded'] } }],
      path: [{ 'anything-but': { wildcard: '*/lib/*' } }],
    },
    matches: [{ region: 'eu-west-1', file: 'a.gif', state: 'running', path: '/usr/bin/x' }, { region: 7, file: 'a.gif', state: 'running', path: '/bin' }],
    misses: [
      { region: 'us-east-1', file: 'a.gif', state: 'running', path: '/bin' },
      { region: 'eu-west-1', file: 'a.jpg', state: 'running', path: '/bin' },
      { region: 'eu-west-1', file: 'a.gif', state: 'STOPPED', path: '/bin' },
      { region: 'eu-west-1', file: 'a.gif', state: 'running', path: '/usr/lib/x' },
    ],
  },
  // numeric
  {
    rule: 'numeric compares JSON numbers with =, <, <=, >, >= or a range of a lower and an upper bound.',
    source: 'EventBridge guide, numeric matching; Lambda guide (Numeric equals, Numeric range)',
    pattern: { count: [{ numeric: ['>', 0, '<=', 5] }], price: [{ numeric: ['=', 3.018e2] }], small: [{ numeric: ['<', 10] }] },
    matches: [{ count: 5, price: 301.8, small: -1 }, { count: 0.5, price: 301.8, small: 9.99 }],
    misses: [{ count: 0, price: 301.8, small: 1 }, { count: 6, price: 301.8, small: 1 }, { count: 1, price: 301, small: 1 }, { count: 1, price: 301.8, small: 10 }],
  },
  {
    rule: 'numeric never matches a string, even one that spells a number.',
    source: 'EventBridge guide, numeric matching (JSON numbers only)',
    pattern: { count: [{ numeric: ['>=', 1] }] },
    matches: [{ count: 1 }],
    misses: [{ count: '2' }, { count: true }, { count: null }],
  },
  // exists and non-leaf values
  {
    rule: 'exists: true matches a field that holds a value (a leaf), including null.',
    source: 'EventBridge guide, exists matching',
    pattern: { detail: { count: [{ exists: true }] } },
    matches: [{ detail: { count: 5 } }, { detail: { count: null } }, { detail: { count: [1] } }],
    misses: [{ detail: {} }, { detail: { count: { c1: 100 } } }, { detail: { count: [] } }, {}],
  },
  {
    rule: 'exists: false matches a field with no value: missing, under a missing parent, or holding an object.',
    source: 'EventBridge guide, exists matching (works on leaf nodes only); event-ruler README, exists matching',
    pattern: { detail: { count: [{ exists: false }] } },
    matches: [{ detail: {} }, {}, { detail: 'text' }, { detail: { count: { c1: 100 } } }, { detail: { count: [] } }],
    misses: [{ detail: { count: 5 } }, { detail: { count: null } }],
  },
  {
    rule: 'A nested pattern needs the nested field: a value where an object is expected matches nothing but exists: false.',
    source: 'EventBridge guide, event pattern structure; event-ruler flattens records into leaf paths',
    pattern: { eventName: { nested: ['x'] } },
    matches: [{ eventName: { nested: 'x' } }],
    misses: [{ eventName: 'INSERT' }, { eventName: { nested: { deeper: 'x' } } }],
  },
  // cidr
  {
    rule: 'cidr matches strings that are IP addresses inside the block, IPv4 or IPv6; bits past the mask do not matter.',
    source: 'EventBridge guide, IP address matching; event-ruler README (IPv6) and CIDR.cidr',
    pattern: { v4: [{ cidr: '10.0.0.7/24' }], v6: [{ cidr: '2001:db8::/32' }] },
    matches: [{ v4: '10.0.0.255', v6: '2001:db8:1::1' }],
    misses: [{ v4: '10.0.1.1', v6: '2001:db8::1' }, { v4: '10.0.0.1', v6: '2001:db9::1' }, { v4: 167772161, v6: '2001:db8::1' }],
  },
  // $or
  {
    rule: '$or matches when any of its patterns matches; it combines with the other fields by AND, and nests.',
    source: 'EventBridge guide, $or matching; event-ruler README, the "$or" primitive',
    pattern: { source: ['orders'], $or: [{ type: ['OrderPlaced'] }, { amount: [{ numeric: ['>', 100] }], $or: [{ vip: [true] }, { region: ['eu'] }] }] },
    matches: [{ source: 'orders', type: 'OrderPlaced' }, { source: 'orders', amount: 200, region: 'eu' }],
    misses: [{ source: 'payments', type: 'OrderPlaced' }, { source: 'orders', amount: 200, region: 'us' }, { source: 'orders', amount: 50, vip: true }],
  },
  // Arrays
  {
    rule: 'When the record holds a list, the field matches if any element matches.',
    source: 'EventBridge guide, matching on arrays; event-ruler README (non-empty intersection)',
    pattern: { resources: ['arn:a', 'arn:b'] },
    matches: [{ resources: ['arn:x', 'arn:b'] }, { resources: 'arn:a' }],
    misses: [{ resources: ['arn:x'] }, { resources: [] }],
  },
  {
    rule: 'Objects inside a list count as values of the list\'s own field, at any depth of lists.',
    source: 'event-ruler README, JSON array matching ("crushed out" arrays)',
    pattern: { employees: { firstName: ['Anna'] } },
    matches: [{ employees: [{ firstName: 'John' }, { firstName: 'Anna' }] }, { employees: [[{ firstName: 'John' }], [{ firstName: 'Anna' }]] }],
    misses: [{ employees: [{ firstName: 'John' }] }, { employees: [] }],
  },
  {
    rule: 'Fields taken from objects in a list must come from the same element.',
    source: 'event-ruler README, JSON array matching (rulesForJSONEvent is array-consistent)',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    matches: [{ employees: [{ firstName: 'John', lastName: 'Jones' }, { firstName: 'Anna', lastName: 'Smith' }] }],
    misses: [{ employees: [{ firstName: 'Anna', lastName: 'Jones' }, { firstName: 'Peter', lastName: 'Smith' }] }],
  },
  // DynamoDB typed values
  {
    rule: 'DynamoDB numbers arrive as strings under N, so they are matched as strings; numeric and number literals never match them.',
    source: 'Lambda guide, filtering DynamoDB (table attributes are in DynamoDB JSON; numbers are strings)',
    pattern: { dynamodb: { NewImage: { version: { N: ['3'] } } } },
    matches: [streamRecord('INSERT', { version: { N: '3' } })],
    misses: [streamRecord('INSERT', { version: { N: '3.0' } }), streamRecord('INSERT', { version: { S: '3' } })],
  },
  {
    rule: 'A numeric condition on a DynamoDB N attribute matches no stream record.',
    source: 'Lambda guide, filtering DynamoDB; EventBridge guide, numeric matching (JSON numbers only)',
    pattern: { dynamodb: { NewImage: { version: { N: [{ numeric: ['>', 1] }] } } } },
    matches: [],
    misses: [streamRecord('INSERT', { version: { N: '3' } }), streamRecord('INSERT', { version: { N: '0' } })],
  },
  {
    rule: 'A DynamoDB attribute is an object ({"N": "3"}), so exists: false on the attribute itself matches a record that has it.',
    source: 'EventBridge guide, exists matching (leaf nodes only); Lambda guide, using the Exists operator with DynamoDB',
    pattern: { dynamodb: { NewImage: { version: [{ exists: false }] } } },
    matches: [streamRecord('INSERT', { version: { N: '3' } }), streamRecord('REMOVE')],
    misses: [],
  },
  {
    rule: 'exists on the typed value (version.N) tells whether the attribute is there.',
    source: 'Lambda guide, using the Exists operator with DynamoDB',
    pattern: { dynamodb: { NewImage: { failedAt: { S: [{ exists: false }] } } } },
    matches: [streamRecord('INSERT', { version: { N: '3' } }), streamRecord('REMOVE')],
    misses: [streamRecord('MODIFY', { failedAt: { S: '2026-01-01' } })],
  },
  {
    rule: 'DynamoDB booleans and nulls are JSON literals under BOOL and NULL.',
    source: 'Lambda guide, filtering DynamoDB with Boolean expressions',
    pattern: { dynamodb: { NewImage: { paid: { BOOL: [true] }, note: { NULL: [true] } } } },
    matches: [streamRecord('INSERT', { paid: { BOOL: true }, note: { NULL: true } })],
    misses: [streamRecord('INSERT', { paid: { BOOL: false }, note: { NULL: true } }), streamRecord('INSERT', { paid: { S: 'true' }, note: { NULL: true } })],
  },
  {
    rule: 'DynamoDB lists (L) hold typed objects, matched through the list; maps (M) nest like objects; sets (SS) are lists.',
    source: 'event-ruler README, JSON array matching; Lambda guide, filtering DynamoDB',
    pattern: { dynamodb: { NewImage: { tags: { L: { S: ['urgent'] } }, address: { M: { city: { S: ['Lyon'] } } }, codes: { SS: ['b'] } } } },
    matches: [streamRecord('INSERT', { tags: { L: [{ S: 'new' }, { S: 'urgent' }] }, address: { M: { city: { S: 'Lyon' } } }, codes: { SS: ['a', 'b'] } })],
    misses: [streamRecord('INSERT', { tags: { L: [{ S: 'new' }] }, address: { M: { city: { S: 'Lyon' } } }, codes: { SS: ['a', 'b'] } })],
  },
];

export const REFUSED_CASES: RefusedCase[] = [
  { rule: 'A pattern is a JSON object.', source: 'event-ruler JsonRuleCompiler ("Filter is not an object")', pattern: ['INSERT'], reason: /must be a JSON object/ },
  { rule: 'A pattern is at most 4096 characters of JSON.', source: 'Lambda API reference, Filter (length constraints of Pattern)', pattern: { note: ['x'.repeat(4100)] }, reason: /at most 4096 characters/ },
  { rule: 'An empty pattern, or an empty nested object, is refused.', source: 'event-ruler JsonRuleCompiler ("Empty objects are not allowed")', pattern: { a: {} }, reason: /empty objects/ },
  { rule: 'An empty list of values is refused: it could never match.', source: 'event-ruler JsonRuleCompiler ("Empty arrays are not allowed")', pattern: { a: [] }, reason: /empty lists/ },
  { rule: 'A field is a list or an object, never a bare value.', source: 'EventBridge guide, event pattern values (always in a list)', pattern: { eventName: 'INSERT' }, reason: /list of conditions or a nested object/ },
  { rule: 'A list inside the value list is refused.', source: 'event-ruler JsonRuleCompiler (match values are strings, numbers, true, false or null)', pattern: { a: [['x']] }, reason: /a condition is/ },
  { rule: 'Unknown operators are refused.', source: 'Lambda guide, filter rule syntax', pattern: { a: [{ startsWith: 'x' }] }, reason: /unsupported operator "startsWith"/ },
  { rule: 'One operator per object.', source: 'event-ruler JsonRuleCompiler ("Only one key allowed in match expression")', pattern: { a: [{ prefix: 'x', suffix: 'y' }] }, reason: /exactly one operator/ },
  { rule: 'prefix takes one string, not a list.', source: 'event-ruler JsonRuleCompiler ("prefix match pattern must be a string")', pattern: { a: [{ prefix: ['x', 'y'] }] }, reason: /prefix takes one string/ },
  { rule: 'suffix takes one string, not a list.', source: 'event-ruler JsonRuleCompiler', pattern: { a: [{ suffix: ['x'] }] }, reason: /suffix takes one string/ },
  { rule: 'equals-ignore-case takes one string, not a list.', source: 'event-ruler JsonRuleCompiler', pattern: { a: [{ 'equals-ignore-case': ['x'] }] }, reason: /equals-ignore-case takes one string/ },
  { rule: 'wildcard takes one string, not a list.', source: 'event-ruler JsonRuleCompiler', pattern: { a: [{ wildcard: ['x*'] }] }, reason: /wildcard takes one string/ },
  { rule: 'Two wildcards in a row are refused.', source: 'EventBridge guide, wildcard matching; event-ruler WildcardParser', pattern: { a: [{ wildcard: 'x**y' }] }, reason: /consecutive wildcard/ },
  { rule: 'A backslash escapes only * or another backslash.', source: 'event-ruler WildcardParser ("Invalid escape character")', pattern: { a: [{ wildcard: 'x\\y' }] }, reason: /backslash escapes only/ },
  { rule: 'exists takes true or false.', source: 'event-ruler JsonRuleCompiler', pattern: { a: [{ exists: 'yes' }] }, reason: /exists takes true or false/ },
  { rule: 'numeric bounds are numbers.', source: 'event-ruler JsonRuleCompiler ("Value of > must be numeric")', pattern: { a: [{ numeric: ['>', '1'] }] }, reason: /numeric takes/ },
  { rule: 'A numeric range starts with its lower bound.', source: 'event-ruler JsonRuleCompiler (only > or >= may be followed by < or <=)', pattern: { a: [{ numeric: ['<', 5, '>', 1] }] }, reason: /numeric takes/ },
  { rule: 'A numeric bound is not repeated.', source: 'event-ruler JsonRuleCompiler', pattern: { a: [{ numeric: ['>', 1, '>', 2] }] }, reason: /numeric takes/ },
  { rule: 'A numeric range has its lower bound below its upper bound.', source: 'event-ruler Range.between ("Bottom must be less than top")', pattern: { a: [{ numeric: ['>=', 5, '<=', 5] }] }, reason: /lower bound 5 must be below/ },
  { rule: 'anything-but lists hold only strings or only numbers.', source: 'event-ruler README, anything-but matching', pattern: { a: [{ 'anything-but': ['x', 1] }] }, reason: /only strings or only numbers/ },
  { rule: 'anything-but takes no true, false or null.', source: 'event-ruler JsonRuleCompiler', pattern: { a: [{ 'anything-but': [true] }] }, reason: /only strings or only numbers/ },
  { rule: 'anything-but applies to prefix, suffix, equals-ignore-case and wildcard only, not to exists.', source: 'EventBridge guide, anything-but matching; event-ruler JsonRuleCompiler', pattern: { a: [{ 'anything-but': { exists: true } }] }, reason: /not "exists"/ },
  { rule: 'anything-but of an empty object is refused.', source: 'event-ruler JsonRuleCompiler ("Anything-But expression name not found")', pattern: { a: [{ 'anything-but': {} }] }, reason: /anything-but takes one of/ },
  { rule: 'anything-but prefix cannot be empty.', source: 'event-ruler JsonRuleCompiler ("Null prefix/suffix not allowed")', pattern: { a: [{ 'anything-but': { prefix: '' } }] }, reason: /cannot be empty/ },
  { rule: 'cidr takes an address and mask bits.', source: 'event-ruler CIDR.cidr ("Malformed CIDR")', pattern: { a: [{ cidr: '10.0.0.0' }] }, reason: /cidr takes an IP address/ },
  { rule: 'A single IPv4 address is an exact value, not a /32 block.', source: 'event-ruler CIDR.cidr ("IPv4 mask bits must be < 32")', pattern: { a: [{ cidr: '10.0.0.1/32' }] }, reason: /at most \/31/ },
  { rule: '$or takes a list of at least two patterns.', source: 'EventBridge guide, $or matching; event-ruler JsonRuleCompiler', pattern: { $or: [{ a: ['x'] }] }, reason: /\$or takes a list of at least two/ },
  { rule: 'Inside $or, operator names cannot be field names.', source: 'event-ruler Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP', pattern: { $or: [{ prefix: ['x'] }, { a: ['y'] }] }, reason: /"prefix" is an operator/ },
];
