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
import { logger as defaultLogger, traced, tracer as defaultTracer } from '../observability';
import type { OrderRepository } from '../orders/order-repository';
import { parseCancelOrderRequest, parsePlaceOrderRequest } from '../orders/order-requests';
import { cancelOrder, getOrder, placeOrder } from '../orders/order-use-cases';
import type { PaymentRepository } from '../payments/payment-repository';
import { parseRequestPaymentRequest } from '../payments/payment-requests';
import { getPayment, requestPayment } from '../payments/payment-use-cases';
import type { TimelineRepository } from '../timeline/timeline-repository';
import { getTimeline } from '../timeline/timeline-use-cases';

/** The ports the API needs; `handler.ts` passes the DynamoDB adapters, unit tests pass fakes. */
export interface ApiDependencies {
  orders: OrderRepository;
  payments: PaymentRepository;
  customers: CustomerRepository;
  timelines: TimelineRepository;
  /** @default () => new Date() */
  clock?: () => Date;
  /** @default ULID */
  newId?: () => string;
  logger?: Logger;
  tracer?: Tracer;
}

export type ApiHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

interface Route {
  method: string;
  /** The API Gateway resource template, e.g. `/orders/{orderId}`. */
  resource: string;
  handle: (request: ApiRequest) => Promise<APIGatewayProxyResult>;
}

interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

function buildRoutes(deps: Required<Pick<ApiDependencies, 'clock' | 'newId'>> & ApiDependencies): Route[] {
  const { orders, payments, customers, timelines, clock, newId } = deps;
  const orderDeps = { orders, clock, newId };
  const orderExists = (orderId: string) => async () => (await orders.findById(orderId)) !== undefined;
  return [
    {
      method: 'POST',
      resource: '/orders',
      handle: async (request) => {
        const command = parsePlaceOrderRequest(readJsonBody(request, { required: true }));
        return jsonResponse(201, await placeOrder(orderDeps, command, request), request.correlationId);
      },
    },
    {
      method: 'GET',
      resource: '/orders/{orderId}',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        return jsonResponse(200, await getOrder(orderDeps, orderId), request.correlationId);
      },
    },
    {
      method: 'POST',
      resource: '/orders/{orderId}/cancel',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        const command = parseCancelOrderRequest(readJsonBody(request, { required: false }));
        return jsonResponse(200, await cancelOrder(orderDeps, orderId, command, request), request.correlationId);
      },
    },
    {
      method: 'GET',
      resource: '/orders/{orderId}/timeline',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        const events = await getTimeline({ timelines }, 'Order', orderId, orderExists(orderId));
        return jsonResponse(200, { orderId, events }, request.correlationId);
      },
    },
    {
      method: 'POST',
      resource: '/orders/{orderId}/payments',
      handle: async (request) => {
        const orderId = requirePathId(request.pathParameters, 'orderId');
        const command = parseRequestPaymentRequest(readJsonBody(request, { required: true }));
        const accepted = await requestPayment({ orders, payments, clock, newId }, orderId, command, request);
        return jsonResponse(202, accepted, request.correlationId);
      },
    },
    {
      method: 'GET',
      resource: '/payments/{paymentId}',
      handle: async (request) => {
        const paymentId = requirePathId(request.pathParameters, 'paymentId');
        return jsonResponse(200, await getPayment({ payments, clock }, paymentId), request.correlationId);
      },
    },
    {
      method: 'GET',
      resource: '/payments/{paymentId}/timeline',
      handle: async (request) => {
        const paymentId = requirePathId(request.pathParameters, 'paymentId');
        const paymentExists = async () => (await payments.findView(paymentId, clock())) !== undefined;
        const events = await getTimeline({ timelines }, 'Payment', paymentId, paymentExists);
        return jsonResponse(200, { paymentId, events }, request.correlationId);
      },
    },
    {
      method: 'PUT',
      resource: '/customers/{customerId}',
      handle: async (request) => {
        const customerId = requirePathId(request.pathParameters, 'customerId');
        const command = parsePutCustomerRequest(readJsonBody(request, { required: true }));
        return jsonResponse(200, await putCustomer({ customers, clock }, customerId, command, request), request.correlationId);
      },
    },
    {
      method: 'DELETE',
      resource: '/customers/{customerId}',
      handle: async (request) => {
        const customerId = requirePathId(request.pathParameters, 'customerId');
        await deleteCustomer({ customers }, customerId);
        return emptyResponse(204, request.correlationId);
      },
    },
    {
      method: 'GET',
      resource: '/customers/{customerId}/timeline',
      handle: async (request) => {
        const customerId = requirePathId(request.pathParameters, 'customerId');
        const customerExists = async () => (await customers.findById(customerId)) !== undefined;
        const events = await getTimeline({ timelines }, 'Customer', customerId, customerExists);
        return jsonResponse(200, { customerId, events }, request.correlationId);
      },
    },
  ];
}

function templatePattern(resource: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = resource
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (parameter?.[1] === undefined) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(parameter[1]);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`), names };
}

/**
 * Routes on `${httpMethod} ${resource}` as API Gateway resolved it. When the resource is not one
 * of ours (a `{proxy+}` resource, a hand-made event) the path is matched against the templates.
 */
function matchRoute(routes: readonly Route[], event: APIGatewayProxyEvent): RouteMatch | undefined {
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
    const { pattern, names } = templatePattern(route.resource);
    const match = pattern.exec(event.path ?? '');
    if (match === null) continue;
    const pathParameters: Record<string, string> = {};
    try {
      names.forEach((name, index) => {
        pathParameters[name] = decodeURIComponent(match[index + 1] ?? '');
      });
    } catch {
      return undefined;
    }
    return { route, pathParameters };
  }
  return undefined;
}

/** The API Gateway (REST, proxy integration) handler of the sample service, over the given ports. */
export function makeApiHandler(deps: ApiDependencies): ApiHandler {
  const logger = deps.logger ?? defaultLogger;
  const tracer = deps.tracer ?? defaultTracer;
  const routes = buildRoutes({ ...deps, clock: deps.clock ?? (() => new Date()), newId: deps.newId ?? (() => ulid()) });

  return async (event, context) => {
    const headers = lowerCaseHeaders(event);
    const correlationId = correlationIdOf(headers, event.requestContext?.requestId);
    if (context !== undefined) logger.addContext(context);
    logger.appendKeys({ correlationId });
    try {
      return await traced(tracer, 'api', async () => {
        try {
          const match = matchRoute(routes, event);
          if (match === undefined) throw new RouteNotFoundError(event.httpMethod, event.path ?? event.resource);
          return await match.route.handle({
            method: event.httpMethod,
            resource: match.route.resource,
            pathParameters: match.pathParameters,
            correlationId,
            header: (name) => headers.get(name.toLowerCase()),
            rawBody: decodeBody(event),
          });
        } catch (error: unknown) {
          const response = errorResponse(error, correlationId);
          if (response.statusCode >= 500) logger.error('request failed', { method: event.httpMethod, path: event.path, error });
          else logger.info('request refused', { method: event.httpMethod, path: event.path, statusCode: response.statusCode, body: response.body });
          return response;
        }
      });
    } finally {
      logger.resetKeys();
    }
  };
}
