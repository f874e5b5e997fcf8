/** SQS messages as the SDK returns them, turned into the records Lambda gives a function (`SQSRecord`). */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

export function toLambdaSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    } as SQSRecordAttributes,
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
  if (message.MD5OfMessageAttributes !== undefined) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toLambdaMessageAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, SQSMessageAttribute> {
  const converted: Record<string, SQSMessageAttribute> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const attribute: SQSMessageAttribute = {
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((bytes) => Buffer.from(bytes).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
    if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
    if (value.BinaryValue !== undefined) attribute.binaryValue = Buffer.from(value.BinaryValue).toString('base64');
    converted[name] = attribute;
  }
  return converted;
}

/**
 * The form filter patterns see: Lambda matches `body` as JSON when the body is a JSON object
 * (so patterns can reach inside it), and as plain text otherwise.
 */
export function sqsRecordForFiltering(record: SQSRecord): Record<string, unknown> {
  let body: unknown = record.body;
  try {
    const parsed: unknown = JSON.parse(record.body);
    if (parsed !== null && typeof parsed === 'object') body = parsed;
  } catch {
    // not JSON: filters see the text
  }
  return { ...record, body };
}
