import { describe, expect, it } from '@jest/globals';

import { NO_AUTH_NOTICE, READY_LINE_PREFIX, readyLine } from '../../../local/ready-line';

describe('the ready line of npm start', () => {
  const line = readyLine({ apiUrl: 'http://127.0.0.1:3000/', endpoint: 'http://127.0.0.1:4566', outputsFile: '.local/outputs.json' });

  it('keeps the prefix the end-to-end setup waits for, then says where everything is', () => {
    expect(line.startsWith('dualwrite local runtime ready: ')).toBe(true);
    expect(READY_LINE_PREFIX).toBe('dualwrite local runtime ready: ');
    expect(line).toBe(
      'dualwrite local runtime ready: API http://127.0.0.1:3000/ , emulator http://127.0.0.1:4566 , outputs .local/outputs.json' +
        ' (local API: no auth check, loopback only)',
    );
  });

  it('names the inspector page between the API and the emulator when there is one', () => {
    const withInspector = readyLine({
      apiUrl: 'http://127.0.0.1:3000/',
      inspectorUrl: 'http://127.0.0.1:3001/',
      endpoint: 'http://127.0.0.1:4566',
      outputsFile: '.local/outputs.json',
    });
    expect(withInspector).toBe(
      'dualwrite local runtime ready: API http://127.0.0.1:3000/ , inspector http://127.0.0.1:3001/ , emulator http://127.0.0.1:4566 ,' +
        ' outputs .local/outputs.json (local API: no auth check, loopback only)',
    );
  });

  it('says that the local API checks no authorization and listens on loopback only', () => {
    expect(line.endsWith(NO_AUTH_NOTICE)).toBe(true);
    expect(NO_AUTH_NOTICE).toMatch(/no auth check/);
    expect(NO_AUTH_NOTICE).toMatch(/loopback only/);
    expect(line).not.toMatch(/\n/);
  });
});
