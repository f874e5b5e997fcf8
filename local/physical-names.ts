import { createHash } from 'node:crypto';

/** Each service's rules for a resource name: allowed characters and maximum length. */
export interface NameRules {
  maxLength: number;
  /** Characters outside this class are replaced with `-`. */
  allowed: RegExp;
  /** Appended after shortening (a FIFO queue's `.fifo`). */
  suffix?: string;
}

export const NAME_RULES = {
  dynamodbTable: { maxLength: 255, allowed: /[A-Za-z0-9_.-]/ },
  sqsQueue: { maxLength: 80, allowed: /[A-Za-z0-9_-]/ },
  sqsFifoQueue: { maxLength: 80, allowed: /[A-Za-z0-9_-]/, suffix: '.fifo' },
  eventBus: { maxLength: 256, allowed: /[A-Za-z0-9/._-]/ },
  eventRule: { maxLength: 64, allowed: /[A-Za-z0-9._-]/ },
  eventArchive: { maxLength: 48, allowed: /[A-Za-z0-9._-]/ },
  lambdaFunction: { maxLength: 64, allowed: /[A-Za-z0-9_-]/ },
  generic: { maxLength: 128, allowed: /[A-Za-z0-9._-]/ },
} satisfies Record<string, NameRules>;

/**
 * The name CloudFormation would generate for a resource whose template sets none, made
 * deterministic (`<StackName>-<LogicalId>`) so that a second `npm start` finds the same resources.
 * Too long a name keeps its start and ends in a hash of the whole, so distinct ids stay distinct.
 */
export function generatedPhysicalName(stackName: string, logicalId: string, rules: NameRules): string {
  return conformName(`${stackName}-${logicalId}`, rules);
}

export function conformName(name: string, rules: NameRules): string {
  const suffix = rules.suffix ?? '';
  let base = name.endsWith(suffix) && suffix !== '' ? name.slice(0, -suffix.length) : name;
  base = [...base].map((character) => (rules.allowed.test(character) ? character : '-')).join('');
  const room = rules.maxLength - suffix.length;
  if (base.length > room) {
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
    base = `${base.slice(0, room - hash.length - 1)}-${hash}`;
  }
  return `${base}${suffix}`;
}
