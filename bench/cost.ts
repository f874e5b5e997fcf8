/**
 * The cost section of `npm run bench`: the cost model (bench/lib/cost.ts) fed with this run's
 * relay latency figures. Needs the relayLatency section's result; it measures nothing itself.
 */
import { costOfAll, DEFAULT_COST_INPUTS, knobEffects, PRICES, type CostInputs } from './lib/cost';
import type { CostResult, RelayLatencyResult } from './lib/results';

/** The cell whose batches look like the outbox under load: 100 records, each its own order. */
const STEADY_RECORDS = 100;
const STEADY_AGGREGATES = 100;

export function costResult(latency: RelayLatencyResult): CostResult {
  const cell = (records: number, aggregates: number) => {
    const found = latency.cells.find((c) => c.records === records && c.aggregates === aggregates);
    if (found === undefined) throw new Error(`the relay latency run has no cell of ${records} records over ${aggregates} aggregates`);
    return found;
  };
  const steady = cell(STEADY_RECORDS, STEADY_AGGREGATES);
  const oneCall = cell(10, 10);
  const inputs: CostInputs = {
    ...DEFAULT_COST_INPUTS,
    relayMsPerEvent: steady.concurrent.meanMs / STEADY_RECORDS,
    putEventsMeanMs: latency.stub.servedMeanMs,
  };
  return {
    prices: { region: PRICES.region, asOf: PRICES.asOf, sources: { ...PRICES.sources }, quotedBy: { ...PRICES.quotedBy } },
    inputs,
    inputSources: {
      relayMsPerEvent: `relayLatency: mean wall time of a batch of ${STEADY_RECORDS} records over ${STEADY_AGGREGATES} aggregates, ${latency.concurrency} calls in flight, / ${STEADY_RECORDS}`,
      putEventsMeanMs: 'relayLatency: mean of the delays the PutEvents stub served',
      relayRecordsPerInvocation: 'the stream batch size (100), reached under load',
      consumerMsPerEvent: 'ASSUMED, not measured: idempotency record + one own write, ≈ 25 ms per message',
      memory: 'the constructs\' defaults: relay and API 512 MB, consumers 256 MB; all arm64',
    },
    patterns: costOfAll(inputs),
    knobs: knobEffects(inputs, steady.sequential.meanMs / STEADY_RECORDS, oneCall.concurrent.meanMs),
  };
}
