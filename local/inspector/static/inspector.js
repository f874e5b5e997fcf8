// The inspector page: polls the local runtime's inspector API and redraws. No framework, no
// external asset; every value from an event is written with textContent (events carry user input).
'use strict';

const EVENTS_EVERY_MS = 500;
const HEALTH_EVERY_MS = 1000;
const HOP_LABELS = {
  committed: 'committed',
  published: 'published by',
  delivered: 'delivered to',
  applied: 'applied by',
  refused: 'refused by',
  parked: 'parked in',
  redriven: 'redriven from',
  failed: 'marked FAILED',
};

const $ = (selector) => document.querySelector(selector);
let selectedEventId;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'className') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('data-') || name === 'title' || name === 'type') node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function ms(value) {
  if (value === undefined || value === null) return '–';
  return value < 10_000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** 12:42:12.988, local time. */
function clockTime(at) {
  const time = new Date(at);
  return `${time.toLocaleTimeString([], { hour12: false })}.${String(time.getMilliseconds()).padStart(3, '0')}`;
}

/** A resource name without the stack's prefix, which every local name has. */
function short(name) {
  return String(name).replace(/^[A-Za-z0-9]+-/, '');
}

function hopChip(hop, index) {
  const where = hop.kind === 'committed' || hop.kind === 'failed' ? '' : ` ${short(hop.where)}`;
  const chip = element('span', { className: `hop hop-${hop.kind}`, title: `${new Date(hop.at).toISOString()} ${hop.where}${hop.detail ? ` (${hop.detail})` : ''}` });
  chip.append(`${HOP_LABELS[hop.kind] ?? hop.kind}${where} `);
  // The first hop says when; each later one how long after the hop before it (its exact time is in the tooltip).
  chip.append(element('small', { text: index === 0 ? clockTime(hop.at) : `+${ms(hop.latencyMs)}` }));
  return chip;
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($('#filters'))) if (String(value).trim() !== '') params.set(name, String(value).trim());
  return params.toString();
}

async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

const knownTypes = new Set();

function renderEvents(events) {
  const body = element('tbody');
  for (const event of events) {
    const row = element('tr', { 'data-event-id': event.id, 'data-status': event.status, 'data-aggregate-id': event.aggregateId, 'data-type': event.type });
    row.append(
      element('td', {}, element('span', { className: `status status-${event.status}`, text: event.status })),
      element('td', { text: event.type }),
      element('td', { text: `${event.aggregateType} ${event.aggregateId}` }),
      element('td', { text: String(event.aggregateVersion) }),
      element('td', {}, ...event.hops.map(hopChip)),
      element('td', { className: 'total', text: ms(event.totalMs) }),
      element('td', { className: 'ids' }, element('div', { text: event.id }), element('div', { text: event.correlationId })),
    );
    row.addEventListener('click', () => openDetail(event.id));
    body.append(row);
    if (!knownTypes.has(event.type)) {
      knownTypes.add(event.type);
      $('#event-types').append(element('option', { value: event.type }));
    }
  }
  $('#events tbody').replaceWith(body);
  $('#event-count').textContent = `(${events.length})`;
  $('#no-events').hidden = events.length > 0;
}

function alarmText(alarm, unit) {
  if (!alarm) return 'no alarm';
  const comparison = { GreaterThanOrEqualToThreshold: '≥', GreaterThanThreshold: '>', LessThanThreshold: '<', LessThanOrEqualToThreshold: '≤' }[alarm.comparison] ?? alarm.comparison;
  return `${comparison} ${unit === 'ms' ? ms(alarm.threshold) : alarm.threshold}`;
}

function renderHealth(health) {
  const queues = element('tbody');
  for (const queue of health.queues) {
    const role = queue.deadLetterQueueOf ? `DLQ of ${short(queue.deadLetterQueueOf)}` : queue.onFailureOf ? `on-failure DLQ of ${short(queue.onFailureOf)}` : 'queue';
    const action = queue.redrive && queue.visible > 0
      ? element('button', { type: 'button', 'data-redrive': queue.name, text: 'Redrive', onclick: () => redrive(queue.name) })
      : '';
    queues.append(
      element('tr', { 'data-queue': queue.name, className: queue.alarming ? 'alarming' : '' },
        element('td', { title: queue.url }, element('div', { text: short(queue.name) }), element('small', { className: 'note', text: role })),
        element('td', { className: 'depth', text: String(queue.visible) }),
        element('td', { text: String(queue.inFlight) }),
        element('td', { text: alarmText(queue.depthAlarm) }),
        element('td', {}, action),
      ),
    );
  }
  $('#queues tbody').replaceWith(queues);

  const failed = $('#failed');
  failed.replaceChildren(
    element('span', { id: 'failed-count', className: health.failed.alarming ? 'alarming' : 'ok', text: `${health.failed.count} FAILED` }),
    ` (alarm ${alarmText(health.failed.alarm)}) `,
    health.failed.count > 0 ? element('button', { type: 'button', 'data-redrive': 'FAILED', text: 'Republish FAILED', onclick: () => redrive('FAILED') }) : '',
  );

  const streams = element('tbody');
  for (const mapping of health.streamMappings) {
    const age = mapping.iteratorAge ? `${ms(mapping.iteratorAge.ageMs)} (${new Date(mapping.iteratorAge.at).toLocaleTimeString()})` : 'no batch yet';
    streams.append(
      element('tr', { className: mapping.alarming ? 'alarming' : '' },
        element('td', { text: short(mapping.functionName), title: mapping.mapping }),
        element('td', { text: age }),
        element('td', { text: alarmText(mapping.iteratorAgeAlarm, 'ms') }),
      ),
    );
  }
  $('#streams tbody').replaceWith(streams);
}

async function redrive(target) {
  const result = $('#action-result');
  result.textContent = `running npm run redrive for ${target}…`;
  try {
    const response = await fetch('/api/redrive', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ target }) });
    const answer = await response.json();
    result.textContent = response.ok ? `${answer.command} → exit ${answer.exitCode}: ${answer.summary}` : answer.message;
  } catch (error) {
    result.textContent = `redrive failed: ${error.message}`;
  }
}

function markAt(kind, percent) {
  const mark = element('span', { className: `mark mark-${kind}` });
  mark.style.left = `${percent}%`; // CSSOM, which the page's style-src 'self' allows
  return mark;
}

function renderTimeline(detail) {
  const timeline = $('#timeline');
  const hops = detail.hops;
  if (hops.length === 0) return timeline.replaceChildren();
  const start = hops[0].at;
  const span = Math.max(1, hops.at(-1).at - start);
  timeline.replaceChildren(
    ...hops.map((hop) =>
      element('div', { className: 'lane' },
        element('span', { text: `${HOP_LABELS[hop.kind] ?? hop.kind} ${hop.kind === 'committed' ? '' : short(hop.where)}` }),
        element('div', { className: 'track' }, markAt(hop.kind, ((hop.at - start) / span) * 100)),
        element('span', { text: `+${ms(hop.at - start)}` }),
      ),
    ),
  );
}

async function refreshDetail() {
  if (selectedEventId === undefined) return;
  const detail = await getJson(`/api/events/${encodeURIComponent(selectedEventId)}`);
  $('#detail-id').textContent = `${detail.type} ${detail.id} (${detail.status})`;
  $('#detail-envelope').textContent = JSON.stringify(detail.envelope, null, 2);
  $('#detail-aggregate').textContent = detail.aggregate ? `${detail.aggregate.tableName}, ${detail.aggregate.partitionKeyName} = ${detail.aggregate.partitionKeyValue}` : '(no outbox item seen for it)';
  $('#detail-items').textContent = detail.aggregateItems ? JSON.stringify(detail.aggregateItems, null, 2) : '–';
  renderTimeline(detail);
}

function openDetail(eventId) {
  selectedEventId = eventId;
  $('#detail').hidden = false;
  refreshDetail().catch(() => {});
}

async function loop(task, everyMs) {
  for (;;) {
    try {
      await task();
      $('#live').classList.remove('stale');
    } catch {
      $('#live').classList.add('stale');
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

$('#detail-close').addEventListener('click', () => {
  selectedEventId = undefined;
  $('#detail').hidden = true;
});
$('#filters').addEventListener('submit', (event) => event.preventDefault());
/** Fetches the list for the filters as they are, and draws it only if they have not changed meanwhile. */
async function refreshEvents() {
  const query = filterQuery();
  const answer = await getJson(`/api/events?${query}`);
  if (query === filterQuery()) renderEvents(answer.events);
}

$('#filters').addEventListener('input', () => refreshEvents().catch(() => {}));
loop(refreshEvents, EVENTS_EVERY_MS);
loop(async () => renderHealth(await getJson('/api/health')), HEALTH_EVERY_MS);
loop(refreshDetail, HEALTH_EVERY_MS);
