import { describe, expect, it } from '@jest/globals';
import { costOfAll, DEFAULT_COST_INPUTS, knobEffects, patternCost, PRICES, type CostInputs } from '../../../bench/lib/cost';
import { minimumCalls } from '../../../bench/batch-fill';

const inputs: CostInputs = { ...DEFAULT_COST_INPUTS, relayMsPerEvent: 0.5, putEventsMeanMs: 28 };
const lineOf = (pattern: Parameters<typeof patternCost>[0], prefix: string) => patternCost(pattern, inputs).lines.find((l) => l.item.startsWith(prefix))!;

describe('cost model', () => {
  it('prices the outbox transaction at 4 WRU: two items, doubled by the transaction', () => {
    expect(lineOf('outbox', 'TransactWriteItems').usdPerMillion).toBeCloseTo(4 * 0.625, 10);
    expect(lineOf('logTailing', 'PutItem').usdPerMillion).toBeCloseTo(0.625, 10);
  });

  it('bills relay duration as ms per event × memory × the Arm price, and one request per batch', () => {
    expect(lineOf('outbox', 'relay Lambda GB-s').usdPerMillion).toBeCloseTo(0.0005 * 0.5 * PRICES.lambdaGbSecondArm * 1e6, 10);
    expect(lineOf('outbox', 'relay Lambda requests').unitsPerEvent).toBeCloseTo(0.01, 10);
  });

  it('charges the naive dual write the command time spent waiting on PutEvents, and no relay', () => {
    const naive = patternCost('naive', inputs);
    expect(naive.lines.some((l) => l.item.startsWith('relay'))).toBe(false);
    expect(lineOf('naive', 'command Lambda GB-s').usdPerMillion).toBeCloseTo(0.028 * 0.5 * PRICES.lambdaGbSecondArm * 1e6, 10);
  });

  it('adds the service\'s own consumer to listen to yourself', () => {
    const all = costOfAll(inputs);
    const consumerOnly = (name: string) => all.listenToYourself.lines.filter((l) => l.item.startsWith(name)).reduce((sum, l) => sum + l.usdPerMillion, 0);
    expect(all.listenToYourself.usdPerMillion - all.outbox.usdPerMillion).toBeCloseTo(consumerOnly('own consumer'), 10);
    expect(all.listenToYourself.usdPerMillion).toBeGreaterThan(all.outbox.usdPerMillion);
    expect(all.outbox.usdPerMillion).toBeGreaterThan(all.logTailing.usdPerMillion);
  });

  it('each total is the sum of its lines', () => {
    for (const cost of Object.values(costOfAll(inputs))) {
      expect(cost.usdPerMillion).toBeCloseTo(cost.lines.reduce((sum, l) => sum + l.usdPerMillion, 0), 10);
    }
  });

  it('reports what each relay knob changes from the base case', () => {
    const effects = knobEffects(inputs, 2.8, 30);
    const effect = (prefix: string) => effects.find((e) => e.knob.startsWith(prefix))!;
    expect(effect('memory: 128 MB').deltaUsdPerMillion).toBeLessThan(0);
    expect(effect('x86').deltaUsdPerMillion).toBeGreaterThan(0);
    expect(effect('concurrency').deltaUsdPerMillion).toBeCloseTo((2.8 - 0.5) / 1000 * 0.5 * PRICES.lambdaGbSecondArm * 1e6, 10);
    expect(effect('batch size').deltaUsdPerMillion).toBeGreaterThan(effect('concurrency').deltaUsdPerMillion);
  });
});

describe('minimumCalls (lower bound of the fewest PutEvents calls)', () => {
  it('is ⌈n / 10⌉ for small entries', () => {
    expect(minimumCalls(Array(25).fill(500))).toBe(3);
    expect(minimumCalls([])).toBe(0);
  });

  it('is bound by bytes, and by entries over half the limit, which cannot share a call', () => {
    const limits = { maxEntries: 10, maxBytes: 1_000 };
    expect(minimumCalls([400, 400, 400, 400, 400], limits)).toBe(2);
    expect(minimumCalls([600, 600, 600, 10], limits)).toBe(3);
  });
});
