import { describe, expect, it } from '@jest/globals';

import { localApiUrl } from '../../../local/outputs';
import { generatedPhysicalName, NAME_RULES } from '../../../local/physical-names';

describe('physical names of resources the template does not name', () => {
  it('are <StackName>-<LogicalId>', () => {
    expect(generatedPhysicalName('Dualwrite', 'TableCD117FA1', NAME_RULES.dynamodbTable)).toBe('Dualwrite-TableCD117FA1');
  });

  it('fit the service length limit, staying distinct and deterministic', () => {
    const long = 'TimelineConsumerFunctionSqsEventSourceDualwriteTimelineConsumerQueueD3C2D642D279F820';
    const a = generatedPhysicalName('Dualwrite', `${long}A`, NAME_RULES.eventRule);
    const b = generatedPhysicalName('Dualwrite', `${long}B`, NAME_RULES.eventRule);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
    expect(generatedPhysicalName('Dualwrite', `${long}A`, NAME_RULES.eventRule)).toBe(a);
    expect(generatedPhysicalName('Dualwrite', long, NAME_RULES.eventArchive).length).toBeLessThanOrEqual(48);
  });

  it('replace characters the service does not allow and keep a FIFO queue .fifo', () => {
    expect(generatedPhysicalName('My Stack', 'Queue', NAME_RULES.sqsQueue)).toBe('My-Stack-Queue');
    const fifo = generatedPhysicalName('S', `${'Q'.repeat(100)}`, NAME_RULES.sqsFifoQueue);
    expect(fifo.endsWith('.fifo')).toBe(true);
    expect(fifo.length).toBeLessThanOrEqual(80);
  });
});

describe('the local API URL in the outputs', () => {
  const apis = [{ routes: { apiId: 'abc123', stageName: 'prod' }, url: 'http://127.0.0.1:3000/' }];

  it('replaces the execute-api URL of the stage with the local one', () => {
    expect(localApiUrl('https://abc123.execute-api.us-east-1.amazonaws.com/prod/', apis)).toBe('http://127.0.0.1:3000/');
    expect(localApiUrl('https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders', apis)).toBe('http://127.0.0.1:3000/orders');
  });

  it('leaves other values alone', () => {
    expect(localApiUrl('Dualwrite-Table', apis)).toBe('Dualwrite-Table');
    expect(localApiUrl('https://other.execute-api.us-east-1.amazonaws.com/prod/', apis)).toBe('https://other.execute-api.us-east-1.amazonaws.com/prod/');
  });
});
