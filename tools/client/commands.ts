/**
 * The commands of `npm run client`: argument parsing, help texts and the HTTP request each command
 * sends (docs/design.md#http-api). Pure: nothing here reads files or talks to the network (see `cli.ts`).
 */
import { UsageError } from '../lib/cli';
import { DEFAULT_OUTPUTS_FILE } from '../lib/outputs';

/** What a command line asks for: a help text, or one request to the API. */
export type ParsedCommandLine =
  | { kind: 'help'; text: string }
  | { kind: 'request'; request: ApiCall; outputsFile: string; stackName?: string };

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to `ApiUrl`, ids percent-encoded. */
  path: string;
  body?: Record<string, unknown>;
  headers: Record<string, string>;
}

const PROGRAM = 'npm run client --';

interface OptionSpec {
  name: string;
  /** Placeholder in help texts; absent for flags without value. */
  value: string;
  description: string;
  required?: boolean;
  repeatable?: boolean;
}

type OptionValues = Record<string, string[]>;

interface CommandSpec {
  resource: string;
  action: string;
  summary: string;
  positionals: string[];
  options: OptionSpec[];
  /** POST commands take `--idempotency-key`. */
  idempotent: boolean;
  build(positionals: string[], options: OptionValues): Omit<ApiCall, 'headers'>;
}

const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'outputs', value: '<file>', description: `the stack's outputs file (default ${DEFAULT_OUTPUTS_FILE})` },
  { name: 'stack', value: '<name>', description: 'the stack to call when the outputs file holds several' },
  { name: 'correlation-id', value: '<id>', description: 'sent as x-correlation-id; carried through every event' },
];
const IDEMPOTENCY_OPTION: OptionSpec = {
  name: 'idempotency-key',
  value: '<key>',
  description: 'sent as the Idempotency-Key header (a retry with the same key is answered once)',
};

const COMMANDS: CommandSpec[] = [
  {
    resource: 'orders',
    action: 'create',
    summary: 'place an order (POST /orders)',
    positionals: [],
    options: [
      { name: 'customer', value: '<customerId>', description: 'the ordering customer', required: true },
      { name: 'item', value: '<sku:quantity:unitPriceCents>', description: 'one order line, e.g. A:2:500; repeat for more lines', required: true, repeatable: true },
    ],
    idempotent: true,
    build: (_positionals, options) => ({
      method: 'POST',
      path: '/orders',
      body: { customerId: single(options, 'customer'), items: (options.item ?? []).map(parseItem) },
    }),
  },
  {
    resource: 'orders',
    action: 'get',
    summary: 'read an order (GET /orders/{orderId})',
    positionals: ['orderId'],
    options: [],
    idempotent: false,
    build: ([orderId]) => ({ method: 'GET', path: `/orders/${pathId('orderId', orderId)}` }),
  },
  {
    resource: 'orders',
    action: 'cancel',
    summary: 'cancel an order (POST /orders/{orderId}/cancel)',
    positionals: ['orderId'],
    options: [
      { name: 'reason', value: '<text>', description: 'why (at most 500 characters)' },
      { name: 'expected-version', value: '<N>', description: 'refuse (409) unless the order is at version N' },
    ],
    idempotent: true,
    build: ([orderId], options) => {
      const reason = optional(options, 'reason');
      const expectedVersion = optional(options, 'expected-version');
      return {
        method: 'POST',
        path: `/orders/${pathId('orderId', orderId)}/cancel`,
        body: {
          ...(reason !== undefined ? { reason } : {}),
          ...(expectedVersion !== undefined ? { expectedVersion: integer('--expected-version', expectedVersion) } : {}),
        },
      };
    },
  },
  {
    resource: 'orders',
    action: 'timeline',
    summary: "an order's events, in version order (GET /orders/{orderId}/timeline)",
    positionals: ['orderId'],
    options: [],
    idempotent: false,
    build: ([orderId]) => ({ method: 'GET', path: `/orders/${pathId('orderId', orderId)}/timeline` }),
  },
  {
    resource: 'payments',
    action: 'request',
    summary: 'request a payment for an order (POST /orders/{orderId}/payments)',
    positionals: ['orderId'],
    options: [{ name: 'amount', value: '<cents>', description: 'the amount in cents', required: true }],
    idempotent: true,
    build: ([orderId], options) => ({
      method: 'POST',
      path: `/orders/${pathId('orderId', orderId)}/payments`,
      body: { amountCents: integer('--amount', single(options, 'amount')) },
    }),
  },
  {
    resource: 'payments',
    action: 'get',
    summary: 'read a payment (GET /payments/{paymentId})',
    positionals: ['paymentId'],
    options: [],
    idempotent: false,
    build: ([paymentId]) => ({ method: 'GET', path: `/payments/${pathId('paymentId', paymentId)}` }),
  },
  {
    resource: 'payments',
    action: 'timeline',
    summary: "a payment's events (GET /payments/{paymentId}/timeline)",
    positionals: ['paymentId'],
    options: [],
    idempotent: false,
    build: ([paymentId]) => ({ method: 'GET', path: `/payments/${pathId('paymentId', paymentId)}/timeline` }),
  },
  {
    resource: 'customers',
    action: 'put',
    summary: 'create or change a customer (PUT /customers/{customerId})',
    positionals: ['customerId'],
    options: [
      { name: 'name', value: '<name>', description: "the customer's name", required: true },
      { name: 'email', value: '<email>', description: "the customer's email address", required: true },
    ],
    idempotent: false,
    build: ([customerId], options) => ({
      method: 'PUT',
      path: `/customers/${pathId('customerId', customerId)}`,
      body: { name: single(options, 'name'), email: single(options, 'email') },
    }),
  },
  {
    resource: 'customers',
    action: 'delete',
    summary: 'delete a customer (DELETE /customers/{customerId})',
    positionals: ['customerId'],
    options: [],
    idempotent: false,
    build: ([customerId]) => ({ method: 'DELETE', path: `/customers/${pathId('customerId', customerId)}` }),
  },
  {
    resource: 'customers',
    action: 'timeline',
    summary: "a customer's events (GET /customers/{customerId}/timeline)",
    positionals: ['customerId'],
    options: [],
    idempotent: false,
    build: ([customerId]) => ({ method: 'GET', path: `/customers/${pathId('customerId', customerId)}/timeline` }),
  },
];

const RESOURCES = [...new Set(COMMANDS.map((command) => command.resource))];

/** Parses a command line (the arguments after `npm run client --`); throws UsageError. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const { positionals, options, help } = tokenize(argv);
  const [resource, action, ...rest] = positionals;

  if (resource === undefined) {
    if (help) return { kind: 'help', text: topLevelHelp() };
    throw new UsageError(`a resource is required (${RESOURCES.join(', ')})`);
  }
  if (!RESOURCES.includes(resource)) {
    if (resource === 'help') return { kind: 'help', text: topLevelHelp() };
    throw new UsageError(`unknown resource "${resource}" (known: ${RESOURCES.join(', ')})`);
  }
  const actions = COMMANDS.filter((command) => command.resource === resource);
  if (action === undefined) {
    if (help) return { kind: 'help', text: resourceHelp(resource) };
    throw new UsageError(`an action is required: ${resource} ${actions.map((command) => command.action).join(' | ')}`);
  }
  const command = actions.find((candidate) => candidate.action === action);
  if (command === undefined) {
    throw new UsageError(`unknown action "${resource} ${action}" (known: ${actions.map((candidate) => candidate.action).join(', ')})`);
  }
  if (help) return { kind: 'help', text: commandHelp(command) };

  const allowed = [...command.options, ...(command.idempotent ? [IDEMPOTENCY_OPTION] : []), ...GLOBAL_OPTIONS];
  for (const [name, values] of Object.entries(options)) {
    const spec = allowed.find((candidate) => candidate.name === name);
    if (spec === undefined) {
      const hint = name === IDEMPOTENCY_OPTION.name ? ' (only POST commands take it)' : '';
      throw new UsageError(`${resource} ${action} has no option --${name}${hint}`);
    }
    if (values.length > 1 && spec.repeatable !== true) throw new UsageError(`--${name} is given ${values.length} times; give it once`);
  }
  for (const spec of command.options) {
    if (spec.required === true && options[spec.name] === undefined) throw new UsageError(`${resource} ${action} needs --${spec.name} ${spec.value}`);
  }
  if (rest.length < command.positionals.length) {
    throw new UsageError(`${resource} ${action} needs <${command.positionals[rest.length]}>`);
  }
  if (rest.length > command.positionals.length) {
    throw new UsageError(`${resource} ${action} takes ${command.positionals.length === 0 ? 'no arguments' : command.positionals.map((name) => `<${name}>`).join(' ')}; unexpected "${rest[command.positionals.length]}"`);
  }

  const headers: Record<string, string> = {};
  const idempotencyKey = optional(options, 'idempotency-key');
  if (idempotencyKey !== undefined) headers['idempotency-key'] = nonEmpty('--idempotency-key', idempotencyKey);
  const correlationId = optional(options, 'correlation-id');
  if (correlationId !== undefined) headers['x-correlation-id'] = nonEmpty('--correlation-id', correlationId);
  const stackName = optional(options, 'stack');
  return {
    kind: 'request',
    request: { ...command.build(rest, options), headers },
    outputsFile: nonEmpty('--outputs', optional(options, 'outputs') ?? DEFAULT_OUTPUTS_FILE),
    ...(stackName !== undefined ? { stackName: nonEmpty('--stack', stackName) } : {}),
  };
}

/** Options anywhere on the line (`--name value`, `--name=value`), `-h`/`--help`, `--` ends options. */
function tokenize(argv: readonly string[]): { positionals: string[]; options: OptionValues; help: boolean } {
  const positionals: string[] = [];
  const options: OptionValues = {};
  let help = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (argument === '-h' || argument === '--help') {
      help = true;
      continue;
    }
    if (argument.startsWith('--') && argument.length > 2) {
      const equals = argument.indexOf('=');
      const name = equals < 0 ? argument.slice(2) : argument.slice(2, equals);
      let value: string;
      if (equals >= 0) {
        value = argument.slice(equals + 1);
      } else {
        const next = argv[index + 1];
        // A value may start with "-" (a negative number), but not be another option.
        if (next === undefined || (next.startsWith('--') && next.length > 2) || next === '-h') {
          throw new UsageError(`--${name} needs a value`);
        }
        value = next;
        index += 1;
      }
      (options[name] ??= []).push(value);
      continue;
    }
    if (argument.startsWith('-') && argument.length > 1 && !/^-\d/.test(argument)) {
      throw new UsageError(`unknown option ${argument}`);
    }
    positionals.push(argument);
  }
  return { positionals, options, help };
}

function optional(options: OptionValues, name: string): string | undefined {
  return options[name]?.[0];
}

function single(options: OptionValues, name: string): string {
  const value = options[name]?.[0];
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

function nonEmpty(flag: string, value: string): string {
  if (value === '') throw new UsageError(`${flag} must not be empty`);
  return value;
}

function integer(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag} must be a whole number, got "${value}"`);
  }
  return Number(value);
}

/** `sku:quantity:unitPriceCents`; the sku may itself contain ":" (the last two fields are numbers). */
function parseItem(text: string): { sku: string; quantity: number; unitPriceCents: number } {
  const parts = text.split(':');
  if (parts.length < 3 || parts.slice(0, -2).join(':') === '') {
    throw new UsageError(`--item must be <sku:quantity:unitPriceCents>, e.g. A:2:500, got "${text}"`);
  }
  const unitPriceCents = parts.pop()!;
  const quantity = parts.pop()!;
  return {
    sku: parts.join(':'),
    quantity: integer(`--item ${text}: quantity`, quantity),
    unitPriceCents: integer(`--item ${text}: unitPriceCents`, unitPriceCents),
  };
}

/**
 * An id as one path segment, percent-encoded (so `a/b#c` stays one id). "." and ".." cannot be sent:
 * every URL parser (and API Gateway) resolves them as dot segments, whatever their encoding.
 */
function pathId(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`<${name}> must not be empty`);
  if (value === '.' || value === '..') throw new UsageError(`<${name}> cannot be "${value}": a URL path cannot carry it`);
  return encodeURIComponent(value);
}

function usageLine(command: CommandSpec): string {
  const positionals = command.positionals.map((name) => ` <${name}>`).join('');
  const options = command.options
    .map((option) => {
      const text = `--${option.name} ${option.value}${option.repeatable ? ` [--${option.name} …]` : ''}`;
      return option.required ? ` ${text}` : ` [${text}]`;
    })
    .join('');
  return `${command.resource} ${command.action}${positionals}${options}${command.idempotent ? ' [--idempotency-key <key>]' : ''}`;
}

function optionLines(options: readonly OptionSpec[]): string {
  const labels = options.map((option) => `--${option.name} ${option.value}`);
  const width = Math.max(...labels.map((label) => label.length), 16) + 2;
  return options.map((option, index) => `  ${labels[index]!.padEnd(width)}${option.description}`).join('\n');
}

const EXIT_STATUS = [
  'Exit status: 0 when the API answers 2xx (its JSON answer on stdout); 1 for any other status (the',
  'error body on stdout, the status on stderr) or no answer; 2 for a usage error.',
].join('\n');

export function topLevelHelp(): string {
  return [
    `Usage: ${PROGRAM} <resource> <action> [arguments] [options]`,
    '',
    "Calls the sample service's HTTP API of one stack, named by an outputs file: the local runtime's",
    '(npm start writes .local/outputs.json; they have AwsEndpointUrl) gets plain requests, a deployed',
    "stack's (cdk deploy --outputs-file) gets requests signed with SigV4 (service execute-api, the",
    'default AWS credential chain).',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${usageLine(command)}`),
    '',
    'Options of every command:',
    optionLines(GLOBAL_OPTIONS),
    `  ${'-h, --help'.padEnd(Math.max(...GLOBAL_OPTIONS.map((option) => `--${option.name} ${option.value}`.length), 16) + 2)}this text; \`${PROGRAM} <resource> --help\` and \`… <resource> <action> --help\` for more`,
    '',
    EXIT_STATUS,
    '',
    'Examples:',
    `  ${PROGRAM} orders create --customer c1 --item A:2:500 --item B:1:250`,
    `  ${PROGRAM} orders cancel 01K… --reason "changed my mind" --expected-version 1`,
    `  ${PROGRAM} payments request 01K… --amount 1000 --idempotency-key pay-01K…-1`,
    `  ${PROGRAM} customers put c1 --name Ada --email ada@example.com --outputs deployed.json`,
  ].join('\n');
}

function resourceHelp(resource: string): string {
  const commands = COMMANDS.filter((command) => command.resource === resource);
  return [
    `Usage: ${PROGRAM} ${resource} <action> [arguments] [options]`,
    '',
    'Actions:',
    ...commands.map((command) => `  ${usageLine(command)}\n      ${command.summary}`),
    '',
    `Every action also takes --outputs <file>, --stack <name>, --correlation-id <id>; \`${PROGRAM} ${resource} <action> --help\` for details.`,
  ].join('\n');
}

function commandHelp(command: CommandSpec): string {
  const options = [...command.options, ...(command.idempotent ? [IDEMPOTENCY_OPTION] : []), ...GLOBAL_OPTIONS];
  return [
    `Usage: ${PROGRAM} ${usageLine(command)} [--outputs <file>] [--stack <name>] [--correlation-id <id>]`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    'Options:',
    optionLines(options),
    '',
    EXIT_STATUS,
  ].join('\n');
}
