import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../../tools/lib/cli';
import { clientConfigFor, loadStackOutputs } from '../../../tools/lib/outputs';
import { parseRedriveArgs, REDRIVE_USAGE, runRedrive } from '../../../tools/redrive';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, out, err };
}

describe('redrive arguments', () => {
  it('reads each mode with the defaults', () => {
    expect(parseRedriveArgs(['--stream-dlq'])).toEqual({
      mode: { kind: 'stream-dlq' },
      outputsFile: '.local/outputs.json',
      dryRun: false,
      progress: false,
      limit: undefined,
      discardExpired: false,
      marginSeconds: 300,
    });
    expect(parseRedriveArgs(['--failed', '--limit', '5', '--dry-run', '--outputs', 'o.json', '--stack', 'S'])).toMatchObject({
      mode: { kind: 'failed' },
      limit: 5,
      dryRun: true,
      outputsFile: 'o.json',
      stack: 'S',
    });
    expect(parseRedriveArgs(['--consumer-dlq', 'all', '--progress'])).toMatchObject({ mode: { kind: 'consumer-dlq', consumer: 'all' }, progress: true });
    expect(parseRedriveArgs(['--stream-dlq', '--discard-expired', '--margin-seconds', '0'])).toMatchObject({ discardExpired: true, marginSeconds: 0 });
  });

  it('answers --help', () => {
    expect(parseRedriveArgs(['--help'])).toBe('help');
    expect(parseRedriveArgs(['-h', '--failed'])).toBe('help');
  });

  it.each([
    [[], 'give one mode'],
    [['--failed', '--stream-dlq'], 'one mode only'],
    [['--consumer-dlq', 'orders'], '--consumer-dlq must be one of timeline, payments, all'],
    [['--consumer-dlq'], 'argument missing'],
    [['--failed', '--limit', '0'], '--limit must be a positive integer'],
    [['--failed', '--limit', 'many'], '--limit must be a positive integer'],
    [['--failed', '--discard-expired'], '--discard-expired only applies to --stream-dlq'],
    [['--stream-dlq', '--margin-seconds=-1'], '--margin-seconds must be'],
    [['--failed', '--bogus'], "Unknown option '--bogus'"],
    [['--failed', 'extra'], 'positional'],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseRedriveArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseRedriveArgs(argv as string[])).toThrow(message);
  });

  it('prints the usage text on --help and exits 0', async () => {
    const { io, out } = capture();
    expect(await runRedrive(['--help'], io)).toBe(0);
    expect(out.join('')).toBe(`${REDRIVE_USAGE}\n`);
    for (const flag of ['--outputs', '--stack', '--stream-dlq', '--failed', '--consumer-dlq', '--dry-run', '--progress', '--discard-expired', '--limit']) {
      expect(REDRIVE_USAGE).toContain(flag);
    }
  });
});

describe('outputs file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outputs-'));
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('says clearly that the file is missing', () => {
    expect(() => loadStackOutputs(path.join(dir, 'nope.json'))).toThrow(/outputs file .*nope\.json not found: start the local runtime/);
  });

  it('takes the only stack, or asks for --stack when there are several', () => {
    const one = write('one.json', { Dualwrite: { TableName: 't' } });
    expect(loadStackOutputs(one).stackName).toBe('Dualwrite');
    const two = write('two.json', { A: { TableName: 'a' }, B: { TableName: 'b' } });
    expect(() => loadStackOutputs(two)).toThrow('several stacks (A, B): choose one with --stack <name>');
    expect(loadStackOutputs(two, 'B').require('TableName')).toBe('b');
    expect(() => loadStackOutputs(two, 'C')).toThrow('has no stack "C"');
  });

  it('names a missing key, its stack and file', () => {
    const file = write('keys.json', { Dualwrite: { TableName: 't' } });
    expect(() => loadStackOutputs(file).require('RelayDeadLetterQueueUrl')).toThrow(`outputs of stack "Dualwrite" in ${file} have no RelayDeadLetterQueueUrl`);
  });

  it('refuses a file that is not JSON', () => {
    expect(() => loadStackOutputs(write('bad.json', '{'))).toThrow('is not JSON');
  });

  it('points the clients at the emulator when the outputs name one, else leaves the SDK defaults', () => {
    expect(clientConfigFor({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' }, {})).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    expect(clientConfigFor({ endpoint: 'http://e', region: 'eu-west-1' }, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' })).toEqual({
      endpoint: 'http://e',
      region: 'eu-west-1',
    });
    expect(clientConfigFor({}, {})).toEqual({});
  });

  it('makes runRedrive fail with a usage error for a missing file', async () => {
    const { io } = capture();
    await expect(runRedrive(['--failed', '--outputs', path.join(dir, 'missing.json')], io)).rejects.toThrow(UsageError);
  });
});
