/**
 * Child process for tests/browser-provider.test.ts: launches the shared Chromium through the launcher, prints
 * `{"pid":..,"dir":..}` on one line, then waits to be signalled. With `--handle SIGTERM` it installs its own
 * handler for that signal, as the CLI does, which closes the browsers itself and exits 0.
 */
import { acquireBrowser, closeBrowser, sharedBrowserPid, sharedBrowserProfileDir } from '../../src/runners/browser/launcher.js';

const handled = process.argv.includes('--handle') ? (process.argv[process.argv.indexOf('--handle') + 1] as NodeJS.Signals) : null;
if (handled) {
  process.once(handled, () => {
    void closeBrowser().then(() => process.exit(0));
  });
}
await acquireBrowser();
process.stdout.write(JSON.stringify({ pid: sharedBrowserPid(), dir: sharedBrowserProfileDir() }) + '\n');
setInterval(() => undefined, 1000);
