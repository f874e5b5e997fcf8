/**
 * What the local runtime cannot run, found in the template before anything is started. An app whose
 * template holds one of these is refused (`startLocalRuntime` throws, naming each resource), rather
 * than started without it: a service that runs locally with a piece silently missing gives answers
 * that mean nothing.
 */
import { resourceTypeKinds } from './resources';
import type { CfnTemplate } from './template';

export interface NotEmulatedResource {
  logicalId: string;
  type: string;
  /** Why it cannot run locally, for a person. */
  reason: string;
}

export function resourcesNotEmulated(template: CfnTemplate): NotEmulatedResource[] {
  const known = resourceTypeKinds();
  const found: NotEmulatedResource[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (!(resource.Type in known)) {
      found.push({ logicalId, type: resource.Type, reason: 'a resource type the local runtime does not emulate' });
    } else if (resource.Type === 'AWS::Lambda::Function') {
      if (properties.PackageType === 'Image') {
        found.push({ logicalId, type: resource.Type, reason: 'a container image function; only Node.js functions from a code asset run locally' });
      } else if (typeof properties.Runtime !== 'string' || !properties.Runtime.startsWith('nodejs')) {
        const runtime = typeof properties.Runtime === 'string' ? properties.Runtime : 'no Runtime';
        found.push({ logicalId, type: resource.Type, reason: `runtime ${runtime}; only Node.js functions (nodejs*) run locally` });
      }
    }
  }
  return found;
}

/** One paragraph naming every resource the runtime cannot emulate and what to do about it. */
export function notEmulatedMessage(stackName: string, resources: readonly NotEmulatedResource[]): string {
  const list = resources.map((resource) => `  - ${resource.logicalId} (${resource.type}): ${resource.reason}`).join('\n');
  return (
    `The stack ${stackName} holds ${resources.length} resource(s) the local runtime cannot emulate, so it does not start ` +
    `(it never runs a service with a piece silently left out):\n${list}\n` +
    'Run those parts elsewhere (keep them out of the stack you run locally, e.g. behind a context flag), ' +
    'or deploy the stack to AWS to use them.'
  );
}
