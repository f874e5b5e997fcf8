import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/**
 * The safe defaults of every table dualwrite creates: on-demand capacity, AWS-managed encryption
 * (unless a customer-managed key is given: CDK then infers CUSTOMER_MANAGED), point-in-time recovery.
 */
export function tableDefaults(overrides: Pick<dynamodb.TableProps, 'encryptionKey'>): Partial<dynamodb.TableProps> {
  return {
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: overrides.encryptionKey ? undefined : dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  };
}
