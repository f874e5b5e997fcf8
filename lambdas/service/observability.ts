import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One Logger and one Tracer per function (service name from POWERTOOLS_SERVICE_NAME). */
export const logger = new Logger();
export const tracer = new Tracer();
