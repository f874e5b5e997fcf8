/**
 * The one line `npm start` prints on stdout once everything is up. Its prefix is what
 * test/e2e/global-setup.ts waits for; its end says that the local API checks no authorization (the
 * deployed methods use AWS_IAM), which is why it listens on the loopback interface only.
 *
 *   dualwrite local runtime ready: API http://127.0.0.1:3000/ , inspector http://127.0.0.1:3001/ , emulator http://127.0.0.1:4566 , outputs .local/outputs.json (local API: no auth check, loopback only)
 */
export const READY_LINE_PREFIX = 'dualwrite local runtime ready: ';
export const NO_AUTH_NOTICE = '(local API: no auth check, loopback only)';

export function readyLine(ready: { apiUrl: string; inspectorUrl?: string; endpoint: string; outputsFile: string }): string {
  const inspector = ready.inspectorUrl === undefined ? '' : `inspector ${ready.inspectorUrl} , `;
  return `${READY_LINE_PREFIX}API ${ready.apiUrl} , ${inspector}emulator ${ready.endpoint} , outputs ${ready.outputsFile} ${NO_AUTH_NOTICE}`;
}
