import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One Logger and one Tracer per function (service name from POWERTOOLS_SERVICE_NAME). */
export const logger = new Logger();
export const tracer = new Tracer();

/**
 * Runs one invocation inside its own X-Ray subsegment, annotated with cold start and service name
 * (the manual form of Powertools' `captureLambdaHandler`; no middy in this project). A no-op
 * outside Lambda, where the Tracer is disabled.
 */
export async function traced<T>(tracerToUse: Tracer, name: string, invocation: () => Promise<T>): Promise<T> {
  const segment = tracerToUse.getSegment();
  const subsegment = segment?.addNewSubsegment(`## ${name}`);
  if (subsegment) tracerToUse.setSegment(subsegment);
  tracerToUse.annotateColdStart();
  tracerToUse.addServiceNameAnnotation();
  try {
    return await invocation();
  } catch (error: unknown) {
    if (error instanceof Error) tracerToUse.addErrorAsMetadata(error);
    throw error;
  } finally {
    subsegment?.close();
    if (segment) tracerToUse.setSegment(segment);
  }
}
