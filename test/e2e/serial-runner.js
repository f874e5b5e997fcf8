/**
 * Jest's own test runner, told to run its files one at a time (Jest has no per-project setting for
 * that). The e2e project uses it: its files share one stack, and hostile-input.test.ts proves that
 * nothing was written to the table while it ran, which a file running beside it would break.
 */
const { default: TestRunner } = require('jest-runner');

class SerialTestRunner extends TestRunner {
  constructor(...args) {
    super(...args);
    this.isSerial = true;
  }
}

module.exports = SerialTestRunner;
