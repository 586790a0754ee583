/**
 * The command line in a child process with the fake runner registered (for tests with several processes).
 * argv: <start at epoch ms> <session ms> -- <mnv4-bench arguments...>. Waits until the start time (so
 * several children race), makes each fake session last <session ms> of real time (so runs overlap), runs
 * main() and exits with its code.
 */
import { main } from '../../src/cli/main.js';
import { createFakeRunner, installFakeRunners } from './fake-runner.js';

const [startAt, sessionMs, sep, ...args] = process.argv.slice(2);
if (sep !== '--') throw new Error('usage: cli-child <start at> <session ms> -- <args>');
const fake = createFakeRunner();
const measure = fake.measure.bind(fake);
fake.measure = async (...a) => {
  await new Promise((r) => setTimeout(r, Number(sessionMs)));
  return measure(...a);
};
installFakeRunners(fake);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
const code = await main(args);
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
