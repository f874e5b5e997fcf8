// A stand-in EventBridge endpoint for the relay benchmarks: it answers every PutEvents with one
// success entry per entry sent, and counts calls and entries. It runs in its own process, so the
// relay process's CPU is the relay's; `GET /stats` reports this process's own CPU as well.
// Plain JavaScript, started with `node`, so no TypeScript loader runs beside it.
//
// Latency: with STUB_LATENCY_MEDIAN_MS and STUB_LATENCY_P99_MS set, each call is answered after a
// delay drawn from the log-normal distribution with that median and 99th percentile (PutEvents
// round trips are right-skewed: most calls near the median, a long tail). The draw is a hash of
// the call's first entry, not a fresh random number, so two runs that send the same calls meet the
// same delays: the benchmark compares sequential and concurrent publishing on equal terms.
// Without them it answers at once. `GET /stats` also lists the delays it served.
import { createServer } from 'node:http';

const medianMs = Number(process.env.STUB_LATENCY_MEDIAN_MS ?? 0);
const p99Ms = Number(process.env.STUB_LATENCY_P99_MS ?? 0);
if (!(medianMs >= 0) || (medianMs > 0 && !(p99Ms >= medianMs))) {
  throw new Error(`STUB_LATENCY_MEDIAN_MS (${medianMs}) must be ≥ 0 and STUB_LATENCY_P99_MS (${p99Ms}) ≥ it`);
}
// z of the 99th percentile of the standard normal distribution.
const Z99 = 2.3263478740408408;
const sigma = medianMs > 0 ? Math.log(p99Ms / medianMs) / Z99 : 0;

/** FNV-1a, 32 bits, as a number in (0, 1). */
function uniformOf(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash + 0.5) / 2 ** 32;
}

/** Box–Muller on two hashes of the key: a standard normal draw, then the log-normal delay. */
function delayFor(key) {
  if (medianMs === 0) return 0;
  const z = Math.sqrt(-2 * Math.log(uniformOf(key))) * Math.cos(2 * Math.PI * uniformOf(`${key}#2`));
  return medianMs * Math.exp(sigma * z);
}

let calls = 0;
let entries = 0;
let eventId = 0;
const delaysMs = [];

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ calls, entries, cpu: process.cpuUsage(), delaysMs }));
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const target = request.headers['x-amz-target'];
    if (target !== 'AWSEvents.PutEvents') {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: 'UnknownOperationException', message: `the stub only answers PutEvents, not ${target}` }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const count = Array.isArray(body.Entries) ? body.Entries.length : 0;
    calls += 1;
    entries += count;
    const results = [];
    for (let i = 0; i < count; i++) results.push({ EventId: `stub-${(eventId += 1)}` });
    const answer = () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ FailedEntryCount: 0, Entries: results }));
    };
    const delayMs = delayFor(count > 0 ? String(body.Entries[0].Detail) : String(calls));
    if (delayMs === 0) {
      answer();
      return;
    }
    delaysMs.push(delayMs);
    setTimeout(answer, delayMs);
  });
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
