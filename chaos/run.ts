/**
 * `npm run chaos -- --commands N --seed S`: drives the three flows and the naive dual write through
 * the local runtime under seeded faults, checks the invariants from independent evidence, prints a
 * table, writes chaos/report.json. Exit code 1 on any violation (`reportViolations` in chaos-run.ts:
 * a pattern that lost, invented, doubled, reordered or re-identified anything, a payment captured on a
 * cancelled order, a command applied twice, a poison event not applied once, the deadline); the naive
 * dual write is expected to break and does not count.
 */
import path from 'node:path';
import { EXIT_DONE, EXIT_SOMETHING_LEFT, parseFlags, parsePositiveInteger, processIo, runAsMain, UsageError } from '../tools/lib/cli';
import { formatReportTable, reportViolations, runChaos, writeReport } from './chaos-run';

const USAGE = `usage: npm run chaos -- [--commands N] [--seed S] [--concurrency C] [--kills K] [--settle-timeout S] [--report file] [--progress]

  --commands N        commands to send, spread over orders, payments, customers and the naive dual write (default 200)
  --seed S            seeds every fault decision and command choice (default 1)
  --concurrency C     commands in flight at once (default 4)
  --kills K           times the whole local runtime is killed (SIGKILL) mid-run and started again (default 1; 0: never)
  --settle-timeout S  seconds the run waits, after the commands, for every change to be applied before
                      it fails (default 600, or 0.6 s per command if longer)
  --report file       where the JSON report goes (default chaos/report.json)
  --progress          draw the progress bar even when stderr is not a terminal
Exit code: 0 no pattern broke an invariant, 1 one did (or a payment was captured on a cancelled order,
a command was applied twice, a poison event was not applied once, the deadline passed), 2 usage error.`;

async function main(): Promise<number> {
  const values = parseFlags(process.argv.slice(2), {
    commands: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '4' },
    kills: { type: 'string', default: '1' },
    'settle-timeout': { type: 'string' },
    report: { type: 'string', default: path.join('chaos', 'report.json') },
    progress: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_DONE;
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed ${values.seed} is not an integer`);
  const report = await runChaos({
    commands: parsePositiveInteger('--commands', values.commands)!,
    seed,
    concurrency: parsePositiveInteger('--concurrency', values.concurrency)!,
    runtimeKills: nonNegativeInteger('--kills', values.kills),
    ...(values['settle-timeout'] !== undefined ? { settleTimeoutMs: parsePositiveInteger('--settle-timeout', values['settle-timeout'])! * 1000 } : {}),
    io: processIo,
    progress: values.progress,
  });
  await writeReport(values.report, report);
  process.stdout.write(`${formatReportTable(report)}\nreport: ${values.report}\n`);
  return reportViolations(report) > 0 ? EXIT_SOMETHING_LEFT : EXIT_DONE;
}

function nonNegativeInteger(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${flag} ${raw} is not a whole number >= 0`);
  return value;
}

runAsMain(main, USAGE);
