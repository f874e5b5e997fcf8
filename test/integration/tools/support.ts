/**
 * A stack's worth of resources on the emulator for the operator tools, and the tools run as an
 * operator runs them: a separate process reading an outputs file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { LOCAL_AWS_REGION, localAwsEnvironment } from '../../../local/emulator';
import { awsEndpoint, createOutboxTable, createQueueReceivingFromBus, sqsClient, uniqueName } from '../support/aws';
import { SOURCE } from '../relay/support';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ToolStack {
  outputsFile: string;
  tableName: string;
  busName: string;
  /** Receives every event of SOURCE published to the bus. */
  captureQueueUrl: string;
  relayDlqUrl: string;
  timelineQueueUrl: string;
  timelineDlqUrl: string;
}

async function createQueue(prefix: string): Promise<string> {
  const { QueueUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }));
  if (QueueUrl === undefined) throw new Error('CreateQueue returned no QueueUrl');
  return QueueUrl;
}

export async function givenAStack(): Promise<ToolStack> {
  const { tableName } = await createOutboxTable(uniqueName('tools'));
  const busName = uniqueName('tools-bus');
  const captureQueueUrl = await createQueueReceivingFromBus({ busName, pattern: { source: [SOURCE] } });
  const [relayDlqUrl, timelineQueueUrl, timelineDlqUrl, paymentsQueueUrl, paymentsDlqUrl, cdcDlqUrl] = await Promise.all(
    ['relay-dlq', 'timeline', 'timeline-dlq', 'payments', 'payments-dlq', 'cdc-dlq'].map(createQueue),
  );
  const outputsFile = path.join(mkdtempSync(path.join(tmpdir(), 'dualwrite-tools-')), 'outputs.json');
  writeFileSync(
    outputsFile,
    JSON.stringify({
      Dualwrite: {
        ApiUrl: 'http://127.0.0.1:1/',
        TableName: tableName,
        EventBusName: busName,
        RelayDeadLetterQueueUrl: relayDlqUrl,
        CdcDeadLetterQueueUrl: cdcDlqUrl,
        TimelineQueueUrl: timelineQueueUrl,
        TimelineDeadLetterQueueUrl: timelineDlqUrl,
        PaymentsQueueUrl: paymentsQueueUrl,
        PaymentsDeadLetterQueueUrl: paymentsDlqUrl,
        IdempotencyTableName: 'unused',
        AwsEndpointUrl: awsEndpoint(),
        Region: LOCAL_AWS_REGION,
      },
    }),
  );
  return { outputsFile, tableName, busName, captureQueueUrl, relayDlqUrl: relayDlqUrl!, timelineQueueUrl: timelineQueueUrl!, timelineDlqUrl: timelineDlqUrl! };
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx tsx tools/<tool>.ts …` with the test credentials in the environment (the endpoint comes from the outputs file). */
export async function runTool(tool: 'redrive' | 'replay', args: string[]): Promise<ToolRun> {
  const { AWS_ENDPOINT_URL: _endpoint, ...credentials } = localAwsEnvironment(awsEndpoint());
  const env: NodeJS.ProcessEnv = { ...process.env, ...credentials };
  delete env.AWS_ENDPOINT_URL;
  return promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'tools', `${tool}.ts`), ...args], { cwd: PROJECT_ROOT, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

/** The on-failure record Lambda sends to the stream DLQ: batch metadata only. */
export function streamOnFailureBody(firstArrival: Date, lastArrival: Date): string {
  const second = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return JSON.stringify({
    requestContext: { requestId: 'req-1', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:relay', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: 'shardId-00000001',
      startSequenceNumber: '100',
      endSequenceNumber: '200',
      approximateArrivalOfFirstRecord: second(firstArrival),
      approximateArrivalOfLastRecord: second(lastArrival),
      batchSize: 2,
      streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026',
    },
  });
}

export async function sendMessage(queueUrl: string, body: string): Promise<void> {
  await sqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

/** Visible plus in-flight messages of a queue. */
export async function messagesIn(queueUrl: string): Promise<number> {
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}
