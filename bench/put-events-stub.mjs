// A stand-in EventBridge endpoint for the relay benchmark: it answers every PutEvents at once with
// one success entry per entry sent, and counts calls and entries. It runs in its own process, so
// the relay process's CPU is the relay's; `GET /stats` reports this process's own CPU as well.
// Plain JavaScript, started with `node`, so no TypeScript loader runs beside it.
import { createServer } from 'node:http';

let calls = 0;
let entries = 0;
let eventId = 0;

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ calls, entries, cpu: process.cpuUsage() }));
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
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify({ FailedEntryCount: 0, Entries: results }));
  });
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
