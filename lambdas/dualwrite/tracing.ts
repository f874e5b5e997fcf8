import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Runs one invocation inside its own X-Ray subsegment, annotated with cold start and service name
 * (the manual form of Powertools' `captureLambdaHandler`; no middy in this project). A no-op
 * outside Lambda, where the Tracer is disabled.
 */
export async function traced<T>(tracer: Tracer, name: string, invocation: () => Promise<T>): Promise<T> {
  const segment = tracer.getSegment();
  const subsegment = segment?.addNewSubsegment(`## ${name}`);
  if (subsegment) tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await invocation();
  } catch (error: unknown) {
    if (error instanceof Error) tracer.addErrorAsMetadata(error);
    throw error;
  } finally {
    subsegment?.close();
    if (segment) tracer.setSegment(segment);
  }
}
