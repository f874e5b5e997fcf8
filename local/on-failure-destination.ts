import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { errorMessage, type RuntimeLog } from './log';

/**
 * An event source mapping's `DestinationConfig.OnFailure`: an SQS queue, named by ARN.
 * (Lambda also accepts SNS topics and S3 buckets; locally those are only logged.)
 */
export class OnFailureDestination {
  private queueUrl?: Promise<string>;

  constructor(
    readonly arn: string,
    private readonly sqs: SQSClient | undefined,
    private readonly log: RuntimeLog,
  ) {}

  /** Sends one record; retries a few times, then logs the record so it is not lost silently. */
  async send(record: unknown): Promise<void> {
    const body = JSON.stringify(record);
    const [, , service, , account, name] = this.arn.split(':');
    if (service !== 'sqs' || this.sqs === undefined || name === undefined) {
      this.log.warn(`on-failure destination ${this.arn} is not supported locally (SQS only); the record was: ${body}`);
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.queueUrl ??= this.sqs
          .send(new GetQueueUrlCommand({ QueueName: name, ...(account ? { QueueOwnerAWSAccountId: account } : {}) }))
          .then((answer) => answer.QueueUrl!);
        const queueUrl = await this.queueUrl;
        await this.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        return;
      } catch (error) {
        this.queueUrl = undefined;
        if (attempt >= 3) {
          this.log.error(`could not send to on-failure destination ${this.arn}: ${errorMessage(error)}; the record was: ${body}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
}
