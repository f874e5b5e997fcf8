import type { APIGatewayProxyResult } from 'aws-lambda';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

export function jsonResponse(statusCode: number, body: unknown, correlationId: string): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', [CORRELATION_ID_HEADER]: correlationId },
    body: JSON.stringify(body),
  };
}

export function emptyResponse(statusCode: number, correlationId: string): APIGatewayProxyResult {
  return { statusCode, headers: { [CORRELATION_ID_HEADER]: correlationId }, body: '' };
}
