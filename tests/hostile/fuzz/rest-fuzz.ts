import fc from 'fast-check';
import { deepJsonText, hostileValue } from './hostile-values.js';
import { judgeAnswer, type Outcome } from './fuzz-tally.js';
import type { RoleName } from './fuzz-people.js';
import type { RouteInput } from './rest-catalogue.js';
import { malformed, validish, type ArbitraryContext } from './schema-arbitraries.js';

/** One HTTP request as a hostile client would send it. */
export interface RestInput {
  method: string;
  /** Path and query, as sent. */
  target: string;
  who: RoleName | 'anonymous';
  /** How the session is presented: properly, without or with a wrong CSRF token, or a cookie that is no session. */
  auth: 'session' | 'no-csrf' | 'wrong-csrf' | 'forged-cookie';
  headers: Record<string, string>;
  body?: string | undefined;
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Text that breaks a path or query on its own: bad percent-encoding, traversal, NUL, overlong UTF-8. */
const brokenUrlText = fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2e%2e%2f', '%C0%AF', '%uD800', '%FF%FE', '\\', '.', '~', 'a'.repeat(5000));

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    return '{"unserialisable":true}';
  }
}

/** Values for a route's `:params`, as path text: mostly encoded, sometimes raw and broken. */
function pathArbitrary(path: string, schema: RouteInput['params'], context: ArbitraryContext): fc.Arbitrary<string> {
  if (path === '/{*path}') {
    const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }).map((text) => encodeURIComponent(text.toWellFormed())), brokenUrlText, fc.constantFrom('_app', 'api', 'socket.io', 'index.html', 'session', 'metrics'));
    return fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`);
  }
  const names = [...path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
  if (names.length === 0) return fc.constant(path);
  const values = schema ? fc.oneof(validish(schema, context), malformed(schema, context)) : fc.constant({});
  return fc.tuple(values, fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: brokenUrlText }), { minLength: names.length, maxLength: names.length })).map(([value, raw]) => {
    let filled = path;
    names.forEach((name, index) => {
      const field = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : value;
      const text = raw[index] ?? encodeURIComponent(asText(field).toWellFormed());
      filled = filled.replace(`:${name}`, text === '' ? '%20' : text);
    });
    return filled;
  });
}

function queryText(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `q=${encodeURIComponent(asText(value).toWellFormed())}`;
  const search = new URLSearchParams();
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(field)) for (const item of field) search.append(key, asText(item));
    else if (field !== undefined) search.append(key, asText(field));
  }
  return search.toString();
}

function queryArbitrary(schema: RouteInput['query'], context: ArbitraryContext): fc.Arbitrary<string> {
  const fromSchema = schema ? fc.oneof(validish(schema, context), malformed(schema, context)).map(queryText) : fc.constant('');
  const raw = fc.oneof(
    brokenUrlText,
    fc.constantFrom('a[b][c]=1', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', 'from=1&from=2&from=3', 'role=admin&role=asn', '&&&=&=', 'bytes=-1', 'bytes=99999999999'),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 3 }).map((entries) => new URLSearchParams(entries).toString()),
  );
  return fc.oneof({ weight: 3, arbitrary: fromSchema }, { weight: 1, arbitrary: raw }).map((query) => (query ? `?${query}` : ''));
}

function bodyArbitrary(schema: RouteInput['body'], context: ArbitraryContext): fc.Arbitrary<string | undefined> {
  const shaped = schema ? malformed(schema, context) : hostileValue();
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map(jsonText) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', 'not json', '\u0000', '[1,2', '{"__proto__":{"polluted":true}}', '{"a":1,"a":2}', '', 'x'.repeat(20_000)) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom(5_000, 400_000).map((length) => JSON.stringify(Array.from({ length }, () => 0))), deepJsonText) },
  );
}

const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom<string | undefined>(
      'application/json; charset=utf-7',
      'application/json; charset=latin1',
      'application/json; charset=nonsense',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/html',
      undefined,
    ),
  },
);

const oddHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Record<string, string>>({}) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string>>(
      { 'content-encoding': 'gzip' },
      { 'content-encoding': 'deflate' },
      { 'content-encoding': 'br' },
      { 'content-encoding': 'nonsense' },
      { accept: 'text/html' },
      { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' },
      { 'x-csrf-token': '\u00ff'.repeat(4) },
      { authorization: 'Bearer x' },
      { origin: 'null' },
      { origin: 'https://evil.example' },
      { origin: 'not an origin' },
      { 'sec-fetch-site': 'cross-site' },
      { host: 'evil.example' },
    ),
  },
);

/** All the requests one route may receive: its own method mostly, and now and then one it does not answer. */
export function restInputs(route: string, input: RouteInput, context: ArbitraryContext, roles: readonly RoleName[]): fc.Arbitrary<RestInput> {
  const [method = 'GET', path = '/'] = route.split(' ');
  return fc
    .record({
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD') }),
      path: pathArbitrary(path, input.params, context),
      query: queryArbitrary(input.query, context),
      who: fc.constantFrom<RestInput['who']>('anonymous', ...roles),
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constant<RestInput['auth']>('session') },
        { weight: 1, arbitrary: fc.constantFrom<RestInput['auth']>('no-csrf', 'wrong-csrf', 'forged-cookie') },
      ),
      contentType: contentTypes,
      headers: oddHeaders,
      body: bodyArbitrary(input.body, context),
    })
    .map(({ method: sent, path: filled, query, who, auth, contentType, headers, body }) => {
      const hasBody = bodyMethods.has(sent) && body !== undefined;
      return {
        method: sent,
        target: `${filled}${query}`,
        who,
        auth,
        headers: { ...headers, ...(hasBody && contentType ? { 'content-type': contentType } : {}) },
        body: hasBody ? body : undefined,
      };
    });
}

export interface RestAnswer {
  status: number;
  contentType: string;
  text: string;
}

const plainSuccessTypes = /^(text\/html|text\/calendar|application\/octet-stream|text\/plain)/;

/** 5xx or an internal code is the server's failure; an error must be a typed JSON body; a success may be a file. */
export function judgeRest(method: string, answer: RestAnswer): Outcome {
  if (answer.status >= 500) return 'server_error';
  if (method === 'HEAD' || (answer.status >= 300 && answer.status < 400)) return 'typed';
  const json = answer.contentType.startsWith('application/json');
  if (answer.status >= 400 || json) {
    if (!json) return 'untyped';
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return 'untyped';
    }
    const outcome = judgeAnswer(body);
    const okFlag = (body as { ok?: unknown }).ok;
    // A 4xx that says ok, or a 2xx that says not ok, is not a typed answer either.
    if (outcome === 'typed' && (answer.status >= 400) === (okFlag === true)) return 'untyped';
    return outcome;
  }
  return plainSuccessTypes.test(answer.contentType) ? 'typed' : 'untyped';
}

/** Engine.IO's own HTTP endpoint (the polling transport and every handshake): queries, methods and bodies it must refuse cleanly. */
export function engineIoInputs(roles: readonly RoleName[]): fc.Arbitrary<RestInput> {
  const query = fc.record(
    {
      EIO: fc.constantFrom('4', '3', '5', '', 'x', '4.0'),
      transport: fc.constantFrom('polling', 'websocket', 'webtransport', 'flashsocket', ''),
      sid: fc.oneof(fc.string({ maxLength: 24 }), brokenUrlText),
      t: fc.string({ maxLength: 8 }),
      j: fc.constantFrom('0', 'x'),
    },
    { requiredKeys: [] },
  );
  return fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS'),
    target: query.map((q) => `/socket.io/?${new URLSearchParams(q as Record<string, string>).toString()}`),
    who: fc.constantFrom<RestInput['who']>('anonymous', ...roles),
    auth: fc.constant<RestInput['auth']>('session'),
    headers: fc.oneof(fc.constant<Record<string, string>>({ 'content-type': 'text/plain;charset=UTF-8' }), fc.constant<Record<string, string>>({ 'content-type': 'application/octet-stream' }), oddHeaders),
    body: fc.oneof(fc.constantFrom('1:1', '40', '42["room:join",{}]', '\u001e42[', 'x'.repeat(70_000), ''), fc.string({ maxLength: 64 })),
  });
}

/** Engine.IO answers with its own error form, `{ code, message }` (or a packet payload): never a 5xx. */
export function judgeEngineIo(method: string, answer: RestAnswer): Outcome {
  if (answer.status >= 500) return 'server_error';
  if (answer.status < 400 || method === 'HEAD') return 'typed';
  try {
    const body = JSON.parse(answer.text) as { code?: unknown; message?: unknown };
    return typeof body.code === 'number' && typeof body.message === 'string' ? 'typed' : 'untyped';
  } catch {
    return 'untyped';
  }
}
