/**
 * Cost per million business events on AWS, for the four ways of writing state and publishing its
 * event, from public prices and the relay's measured time. Pure: `npm run bench` passes this run's
 * relay latency figures; docs/scale-model.md explains the model line by line.
 *
 * A business event here is one command that changes state and yields one event, which one
 * idempotent consumer handles. Every line is (units per event) × (price per unit).
 */

/**
 * Public on-demand prices, US East (N. Virginia), USD. The AWS pricing pages named in `sources`
 * render their price tables in the browser, so the figures were read from dated public quotations
 * of those pages (`quotedBy`); each matches the rule text the AWS page itself carries.
 */
export const PRICES = {
  region: 'us-east-1',
  /** The latest of the quotation dates below. */
  asOf: '2026-05',
  dynamodbWriteRequestUnit: 0.625 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  lambdaGbSecondX86: 0.0000166667,
  /** Per custom event published; each 64 KB chunk of a payload is billed as one event. */
  eventBridgeCustomEvent: 1.0 / 1e6,
  /** Standard queue, per request (each 64 KB chunk is one request), past the first million a month. */
  sqsRequest: 0.4 / 1e6,
  sources: {
    dynamodb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    lambda: 'https://aws.amazon.com/lambda/pricing/',
    eventBridge: 'https://aws.amazon.com/eventbridge/pricing/',
    sqs: 'https://aws.amazon.com/sqs/pricing/',
  },
  quotedBy: {
    dynamodb: 'airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025): $0.625 per million WRU after the November 2024 on-demand price cut',
    lambda: 'git.mcrn.ar/mariano/lambda_local_runner docs/lambdas-md/lambda-13-cost.md (May 2026) and the price table of the artillery 2.0.28 npm package (both citing aws.amazon.com/lambda/pricing): Arm $0.0000133334 per GB-s, x86 $0.0000166667, $0.20 per million requests',
    eventBridge: 'cloudburn.io/blog/amazon-eventbridge-pricing (March 2026): custom events $1.00 per million; same-account delivery free',
    sqs: 'cloudburn.io/blog/amazon-sqs-pricing (March 2026): standard $0.40 per million requests (first 100 billion a month)',
  },
} as const;

/** What the cost depends on besides prices; `relayMsPerEvent` comes from the benchmark run. */
export interface CostInputs {
  /** Relay (and CDC) billed wall time per event: a batch's wall time / its records. */
  relayMsPerEvent: number;
  /** Records per relay invocation (stream batch size actually reached). */
  relayRecordsPerInvocation: number;
  relayMemoryGb: number;
  /** Mean PutEvents round trip: what the naive dual write adds to each command's Lambda time. */
  putEventsMeanMs: number;
  apiMemoryGb: number;
  /** Assumed, not measured: a consumer's time per message (idempotency record, its own write). */
  consumerMsPerEvent: number;
  consumerMemoryGb: number;
  /** Messages per consumer invocation (SQS batch). */
  consumerBatch: number;
  arm64: boolean;
}

export const DEFAULT_COST_INPUTS: Omit<CostInputs, 'relayMsPerEvent' | 'putEventsMeanMs'> = {
  relayRecordsPerInvocation: 100,
  relayMemoryGb: 0.5,
  apiMemoryGb: 0.5,
  consumerMsPerEvent: 25,
  consumerMemoryGb: 0.25,
  consumerBatch: 10,
  arm64: true,
};

export type Pattern = 'outbox' | 'listenToYourself' | 'logTailing' | 'naive';
export const PATTERNS: Pattern[] = ['outbox', 'listenToYourself', 'logTailing', 'naive'];

export interface CostLine {
  item: string;
  unitsPerEvent: number;
  usdPerMillion: number;
}

export interface PatternCost {
  usdPerMillion: number;
  lines: CostLine[];
}

function line(item: string, unitsPerEvent: number, unitPrice: number): CostLine {
  return { item, unitsPerEvent, usdPerMillion: unitsPerEvent * unitPrice * 1e6 };
}

function lambdaLines(name: string, msPerEvent: number, memoryGb: number, eventsPerInvocation: number, inputs: CostInputs): CostLine[] {
  const gbSecond = inputs.arm64 ? PRICES.lambdaGbSecondArm : PRICES.lambdaGbSecondX86;
  return [line(`${name} Lambda requests`, 1 / eventsPerInvocation, PRICES.lambdaRequest), line(`${name} Lambda GB-s`, (msPerEvent / 1000) * memoryGb, gbSecond)];
}

/** SQS: EventBridge's SendMessage, then one ReceiveMessage and one DeleteMessageBatch per batch. */
function consumerLines(name: string, inputs: CostInputs): CostLine[] {
  return [
    line(`${name} SQS requests`, 1 + 2 / inputs.consumerBatch, PRICES.sqsRequest),
    ...lambdaLines(name, inputs.consumerMsPerEvent, inputs.consumerMemoryGb, inputs.consumerBatch, inputs),
    // Powertools idempotency: a conditional PutItem (in progress), then an UpdateItem (completed); its TTL delete is free.
    line(`${name} idempotency record writes (WRU)`, 2, PRICES.dynamodbWriteRequestUnit),
    line(`${name} own write (WRU)`, 1, PRICES.dynamodbWriteRequestUnit),
  ];
}

function relayLines(inputs: CostInputs): CostLine[] {
  return lambdaLines('relay', inputs.relayMsPerEvent, inputs.relayMemoryGb, inputs.relayRecordsPerInvocation, inputs);
}

/** Items ≤ 1 KB: 1 WRU each, doubled in a transaction; stream reads by Lambda and TTL deletes are free. */
export function patternCost(pattern: Pattern, inputs: CostInputs): PatternCost {
  const putEvents = line('PutEvents (≤ 64 KB)', 1, PRICES.eventBridgeCustomEvent);
  let lines: CostLine[];
  if (pattern === 'outbox') {
    lines = [line('TransactWriteItems: entity + outbox item, 2 × 2 WRU', 4, PRICES.dynamodbWriteRequestUnit), ...relayLines(inputs), putEvents, ...consumerLines('consumer', inputs)];
  } else if (pattern === 'listenToYourself') {
    lines = [
      line('TransactWriteItems: outbox item + cache item, 2 × 2 WRU', 4, PRICES.dynamodbWriteRequestUnit),
      ...relayLines(inputs),
      putEvents,
      ...consumerLines('own consumer (writes the entity)', inputs),
      ...consumerLines('consumer', inputs),
    ];
  } else if (pattern === 'logTailing') {
    lines = [line('PutItem: entity, 1 WRU', 1, PRICES.dynamodbWriteRequestUnit), ...relayLines(inputs), putEvents, ...consumerLines('consumer', inputs)];
  } else {
    const gbSecond = inputs.arm64 ? PRICES.lambdaGbSecondArm : PRICES.lambdaGbSecondX86;
    lines = [
      line('PutItem: entity, 1 WRU', 1, PRICES.dynamodbWriteRequestUnit),
      putEvents,
      line('command Lambda GB-s waiting on PutEvents', (inputs.putEventsMeanMs / 1000) * inputs.apiMemoryGb, gbSecond),
      ...consumerLines('consumer', inputs),
    ];
  }
  return { usdPerMillion: lines.reduce((sum, l) => sum + l.usdPerMillion, 0), lines };
}

export function costOfAll(inputs: CostInputs): Record<Pattern, PatternCost> {
  return Object.fromEntries(PATTERNS.map((pattern) => [pattern, patternCost(pattern, inputs)])) as Record<Pattern, PatternCost>;
}

export interface KnobEffect {
  knob: string;
  /** Outbox cost with the knob turned, and its change from the base case. */
  usdPerMillion: number;
  deltaUsdPerMillion: number;
}

/**
 * How much each relay knob moves the outbox's cost per million, from the base case: batch size
 * (one record per invocation, as at low traffic), memory (128 MB and 1,769 MB, at the same wall
 * time: the relay waits on PutEvents), x86 instead of arm64, and sequential publishing (the
 * benchmark's sequential time per event).
 */
export function knobEffects(base: CostInputs, sequentialRelayMsPerEvent: number, oneRecordRelayMs: number): KnobEffect[] {
  const baseCost = patternCost('outbox', base).usdPerMillion;
  const variants: Array<[string, CostInputs]> = [
    ['batch size: 1 record per invocation (low traffic)', { ...base, relayRecordsPerInvocation: 1, relayMsPerEvent: oneRecordRelayMs }],
    ['memory: 128 MB', { ...base, relayMemoryGb: 0.125 }],
    ['memory: 1,769 MB', { ...base, relayMemoryGb: 1.769 }],
    ['x86 instead of arm64 (every function)', { ...base, arm64: false }],
    ['concurrency: 1 call in flight (sequential)', { ...base, relayMsPerEvent: sequentialRelayMsPerEvent }],
  ];
  return variants.map(([knob, inputs]) => {
    const usdPerMillion = patternCost('outbox', inputs).usdPerMillion;
    return { knob, usdPerMillion, deltaUsdPerMillion: usdPerMillion - baseCost };
  });
}
