import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ulid } from 'ulid';
import { deleteCustomer, putCustomer } from '../customers/customer-use-cases';
import { parsePutCustomerRequest } from '../customers/customer-requests';
import type { CustomerRepository } from '../customers/customer-repository';
import { RouteNotFoundError } from '../errors';
import { errorResponse } from '../http/error-response';
import { correlationIdOf, decodeBody, lowerCaseHeaders, readJsonBody, type ApiRequest } from '../http/request';
import { emptyResponse, jsonResponse } from '../http/response';
import { requirePathId } from '../http/validation';
import { traced } from '../../../exports/runtime';
import { logger as defaultLogger, tracer as defaultTracer } from '../observability';
import type { OrderRepository } from '../orders/order-repository';
import { parseCancelOrderRequest, parsePlaceOrderRequest } from '../orders/order-requests';
import { cancelOrder, getOrder, placeOrder } from '../orders/order-use-cases';
import type { PaymentRepository } from '../payments/payment-repository';
import { parseRequestPaymentRequest } from '../payments/payment-requests';
import { getPayment, requestPayment } from '../payments/payment-use-cases';
import type { TimelineRepository } from '../timeline/timeline-repository';
import { getTimeline } from '../timeline/timeline-use-cases';
import { idempotencyKeyOf, idsDerivedFromKey, makeCommandRunner, type CommandRunner } from './idempotent-commands';

/** The ports the API needs; `handler.ts` passes the DynamoDB adapters, unit tests pass fakes. */
export interface ApiDependencies {
  orders: OrderRepository;
  payments: PaymentRepository;
  customers: CustomerRepository;
  timelines: TimelineRepository;
  /**
   * Where the answers of `Idempotency-Key` commands are kept: the Powertools DynamoDB persistence
   * layer in Lambda, an in-memory one in unit tests. Used by nothing else (see `makeCommandRunner`).
   */
  idempotencyStore: BasePersistenceLayer;
  /** @default API_IDEMPOTENCY_EXPIRY_SECONDS (24 h) */
  idempotencyExpiresAfterSeconds?: number;
  /** @default () => new Date() */
  clock?: () => Date;
  /** Ids of commands sent without an `Idempotency-Key` (keyed ones derive theirs from the key). @default ULID */
  newId?: () => string;
  logger?: Logger;
  tracer?: Tracer;
}

export type ApiHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/** What a route answers; the handler turns it into the proxy result (headers, JSON) in one place. */
interface RouteAnswer {
  statusCode: number;
  /** Sent as JSON; undefined sends an empty body. */
  body?: unknown;
  /** A stored answer given again for a retried `Idempotency-Key`. */
  replayed?: boolean;
}

interface Route {
  method: string;
  /** The API Gateway resource template, e.g. `/orders/{orderId}`. */
  resource: string;
  handle: (request: ApiRequest) => Promise<RouteAnswer>;
}

/** A route with its template compiled once, when the handler is built, for the path fallback. */
interface CompiledRoute extends Route {
  pattern: RegExp;
  parameterNames: string[];
}

interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

/** `POST /orders/01K…/cancel`: the route with its (validated) ids, the scope of an idempotency key. */
function targetOf(request: ApiRequest): string {
  const path = request.resource.replace(/\{(\w+)\}/g, (_, name: string) => request.pathParameters[name] ?? '');
  return `${request.method.toUpperCase()} ${path}`;
}

function buildRoutes(deps: Required<Pick<ApiDependencies, 'clock' | 'newId'>> & ApiDependencies, commands: CommandRunner): Route[] {
  const { orders, payments, customers, timelines, clock, newId } = deps;
  const orderDeps = { orders, clock, newId };
  const orderExists = (orderId: string) => async () => (await orders.findById(orderId)) !== undefined;
  /**
   * An `Idempotency-Key` command: the key, then the body, validated before it runs; its answer kept
   * for retries. With a key, the ids it creates are derived from the key (`idsDerivedFromKey`), so
   * that running it again after a crash finds its own earlier commit; without one, they are fresh.
   */
  const runCommand = async <C>(
    request: ApiRequest,
    statusCode: number,
    parse: () => C,
    execute: (command: C, ids: { newId: () => string }) => Promise<unknown>,
  ): Promise<RouteAnswer> => {
    const key = idempotencyKeyOf(request.header);
    const command = parse();
    const target = targetOf(request);
    const ids = { newId: key === undefined ? newId : idsDerivedFromKey(target, key) };
    return commands.run({ key, target, command }, async () => ({ statusCode, body: await execute(command, ids) }));
  };
  return [
    {
      method: 'POST',
      resource: '/orders',
      handle: async (request) => {
        return runCommand(
          request,
          201,
          () => parsePlaceOrderRequest(readJsonBody(request, { required: true })),
          (command, ids) => placeOrder({ ...orderDeps, ...ids }, command, request),
        );
      },
    },
    {
      method: 'GET',
      resource: '/orders/{orderId}',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        return { statusCode: 200, body: await getOrder(orderDeps, orderId) };
      },
    },
    {
      method: 'POST',
      resource: '/orders/{orderId}/cancel',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        return runCommand(
          request,
          200,
          () => parseCancelOrderRequest(readJsonBody(request, { required: false })),
          (command) => cancelOrder(orderDeps, orderId, command, request),
        );
      },
    },
    {
      method: 'GET',
      resource: '/orders/{orderId}/timeline',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        const events = await getTimeline({ timelines }, 'Order', orderId, orderExists(orderId));
        return { statusCode: 200, body: { orderId, events } };
      },
    },
    {
      method: 'POST',
      resource: '/orders/{orderId}/payments',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        return runCommand(
          request,
          202,
          () => parseRequestPaymentRequest(readJsonBody(request, { required: true })),
          (command, ids) => requestPayment({ orders, payments, clock, ...ids }, orderId, command, request),
        );
      },
    },
    {
      method: 'GET',
      resource: '/payments/{paymentId}',
      handle: async (request) => {
        const paymentId = requirePathId(request.pathParameters, 'paymentId');
        return { statusCode: 200, body: await getPayment({ payments, clock }, paymentId) };
      },
    },
    {
      method: 'GET',
      resource: '/payments/{paymentId}/timeline',
      handle: async (request) => {
        const paymentId = requirePathId(request.pathParameters, 'paymentId');
        const paymentExists = async () => (await payments.findView(paymentId, clock())) !== undefined;
        const events = await getTimeline({ timelines }, 'Payment', paymentId, paymentExists);
        return { statusCode: 200, body: { paymentId, events } };
      },
    },
    {
      method: 'PUT',
      resource: '/customers/{customerId}',
      handle: async (request) => {
        const customerId = requirePathId(request.pathParameters, 'customerId');
        const command = parsePutCustomerRequest(readJsonBody(request, { required: true }));
        return { statusCode: 200, body: await putCustomer({ customers, clock }, customerId, command, request) };
      },
    },
    {
      method: 'DELETE',
      resource: '/customers/{customerId}',
      handle: async (request) => {
        const customerId = requirePathId(request.pathParameters, 'customerId');
        await deleteCustomer({ customers }, customerId);
        return { statusCode: 204 };
      },
    },
    {
      method: 'GET',
      resource: '/customers/{customerId}/timeline',
      handle: async (request) => {
        const customerId = requirePathId(request.pathParameters, 'customerId');
        const customerExists = async () => (await customers.findById(customerId)) !== undefined;
        const events = await getTimeline({ timelines }, 'Customer', customerId, customerExists);
        return { statusCode: 200, body: { customerId, events } };
      },
    },
  ];
}

/** `/orders/{orderId}` → `^/orders/([^/]+)/?$` with its parameter names, once per route. */
function compileRoute(route: Route): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.resource
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (parameter?.[1] === undefined) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parameterNames.push(parameter[1]);
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}/?$`), parameterNames };
}

/**
 * Routes on `${httpMethod} ${resource}` as API Gateway resolved it. When the resource is not one
 * of ours (a `{proxy+}` resource, a hand-made event) the path is matched against the templates.
 */
function matchRoute(routes: readonly CompiledRoute[], event: APIGatewayProxyEvent): RouteMatch | undefined {
  const method = (event.httpMethod ?? '').toUpperCase();
  const byResource = routes.find((route) => route.method === method && route.resource === event.resource);
  if (byResource !== undefined) {
    const pathParameters: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
      if (value !== undefined) pathParameters[name] = value;
    }
    return { route: byResource, pathParameters };
  }
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(event.path ?? '');
    if (match === null) continue;
    const pathParameters: Record<string, string> = {};
    try {
      route.parameterNames.forEach((name, index) => {
        pathParameters[name] = decodeURIComponent(match[index + 1] ?? '');
      });
    } catch {
      return undefined;
    }
    return { route, pathParameters };
  }
  return undefined;
}

/** Header set on an answer given again for a retried `Idempotency-Key` (the first answer, unchanged). */
export const IDEMPOTENT_REPLAY_HEADER = 'idempotent-replayed';

function toProxyResult(answer: RouteAnswer, correlationId: string): APIGatewayProxyResult {
  const response = answer.body === undefined ? emptyResponse(answer.statusCode, correlationId) : jsonResponse(answer.statusCode, answer.body, correlationId);
  if (answer.replayed === true) response.headers = { ...response.headers, [IDEMPOTENT_REPLAY_HEADER]: 'true' };
  return response;
}

/** The API Gateway (REST, proxy integration) handler of the sample service, over the given ports. */
export function makeApiHandler(deps: ApiDependencies): ApiHandler {
  const logger = deps.logger ?? defaultLogger;
  const tracer = deps.tracer ?? defaultTracer;
  const commands = makeCommandRunner({
    persistenceStore: deps.idempotencyStore,
    ...(deps.idempotencyExpiresAfterSeconds !== undefined ? { expiresAfterSeconds: deps.idempotencyExpiresAfterSeconds } : {}),
  });
  const routes = buildRoutes({ ...deps, clock: deps.clock ?? (() => new Date()), newId: deps.newId ?? (() => ulid()) }, commands).map(compileRoute);

  return async (event, context) => {
    const headers = lowerCaseHeaders(event);
    const correlationId = correlationIdOf(headers, event.requestContext?.requestId);
    if (context !== undefined) {
      logger.addContext(context);
      commands.registerLambdaContext(context);
    }
    // A child logger per request rather than appendKeys on the shared one: requests that overlap
    // in one process (the local runtime, tests) cannot overwrite or reset each other's id.
    const requestLogger = logger.createChild({ persistentKeys: { correlationId } });
    const request = { method: event.httpMethod, path: event.path ?? event.resource };
    return traced(tracer, 'api', async () => {
      let answer: RouteAnswer;
      try {
        const match = matchRoute(routes, event);
        if (match === undefined) throw new RouteNotFoundError(event.httpMethod, request.path);
        answer = await match.route.handle({
          method: event.httpMethod,
          resource: match.route.resource,
          pathParameters: match.pathParameters,
          correlationId,
          header: (name) => headers.get(name.toLowerCase()),
          rawBody: decodeBody(event),
        });
      } catch (error: unknown) {
        const response = errorResponse(error, correlationId);
        if (response.statusCode >= 500) requestLogger.error('request failed', { ...request, error });
        else requestLogger.info('request refused', { ...request, statusCode: response.statusCode, body: response.body });
        return response;
      }
      const response = toProxyResult(answer, correlationId);
      if (answer.replayed === true) requestLogger.info('answered a retried Idempotency-Key with the stored answer', { ...request, statusCode: answer.statusCode });
      else if (answer.statusCode >= 400) requestLogger.info('request refused', { ...request, statusCode: response.statusCode, body: response.body });
      return response;
    });
  };
}
