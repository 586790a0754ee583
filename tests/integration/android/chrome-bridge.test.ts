import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROME_ACTIVITY, createChromeBridge } from '../../../src/runners/android/chrome-bridge.js';
import { configureAndroid } from '../../../src/runners/android/link.js';
import { browserProvider } from '../../../src/runners/browser/provider.js';
import { PIXEL6_CPUS, PIXEL6_PROPS, ScriptedAdb } from '../../helpers/scripted-adb.js';
import '../../../src/runners/registry.js';

/** A fake Chrome DevTools HTTP endpoint on a port (what the forwarded abstract socket answers). */
function fakeDevtools(port: number): Promise<Server> {
  const s = createServer((req, res) => {
    if (req.url === '/json/version') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          Browser: 'Chrome/131.0.6778.81',
          'Android-Package': 'com.android.chrome',
          webSocketDebuggerUrl: `ws://127.0.0.1:${port}/devtools/browser`,
        }),
      );
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((r) => s.listen(port, '127.0.0.1', () => r(s)));
}

const servers: Server[] = [];
let restore: (() => void) | undefined;
afterEach(async () => {
  restore?.();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const phone = { serial: 'P6', props: PIXEL6_PROPS, cpus: PIXEL6_CPUS, thermal: [['BIG', 35000]] as [string, number][] };
const portOf = (local: string): number => Number(local.replace('tcp:', ''));

describe('Chrome on Android through adb forward / reverse', () => {
  it('forwards chrome_devtools_remote to a free host port, reverses the page port, returns the endpoint', async () => {
    const adb = new ScriptedAdb([phone]);
    adb.onForward = async (local) => void servers.push(await fakeDevtools(portOf(local)));
    restore = configureAndroid({ transportFor: async () => adb, sleep: async () => undefined });
    const r = await createChromeBridge().open({ kind: 'adb', model: 'Pixel 6' }, 8123);
    expect(adb.reverses).toEqual([{ serial: 'P6', remote: 'tcp:8123', local: 'tcp:8123' }]);
    expect(adb.forwards).toEqual([{ serial: 'P6', local: expect.stringMatching(/^tcp:\d+$/), remote: 'localabstract:chrome_devtools_remote' }]);
    expect(r.endpoint).toBe(`http://127.0.0.1:${portOf(adb.forwards[0]!.local)}`);
    expect(adb.calls.some((c) => c.argv[0] === 'am')).toBe(false);
  });

  it("reuses the device's existing forward of the socket instead of adding one per run", async () => {
    const adb = new ScriptedAdb([phone]);
    adb.onForward = async (local) => void servers.push(await fakeDevtools(portOf(local)));
    restore = configureAndroid({ transportFor: async () => adb, sleep: async () => undefined });
    const first = await createChromeBridge().open({ kind: 'adb', model: 'Pixel 6' }, 8130);
    const second = await createChromeBridge().open({ kind: 'adb', model: 'Pixel 6' }, 8131);
    expect(adb.forwards).toHaveLength(1);
    expect(second.endpoint).toBe(first.endpoint);
    // another socket (a Chrome Beta's) gets a forward of its own
    await expect(
      createChromeBridge({ pollMs: 10, startWaitMs: 30 }).open({ kind: 'adb', model: 'Pixel 6', devtools: { socket: 'chrome_beta_devtools' } }, 8132),
    ).resolves.toBeDefined();
    expect(adb.forwards.map((f) => f.remote)).toEqual(['localabstract:chrome_devtools_remote', 'localabstract:chrome_beta_devtools']);
  });

  it('starts Chrome on the phone when its socket does not answer yet', async () => {
    const adb = new ScriptedAdb([phone]);
    let port = 0;
    adb.onForward = (local) => void (port = portOf(local));
    adb.onAmStart = async () => void servers.push(await fakeDevtools(port));
    restore = configureAndroid({ transportFor: async () => adb, sleep: async () => undefined });
    const r = await createChromeBridge({ pollMs: 10, startWaitMs: 2000 }).open(
      { kind: 'adb', serial: 'P6', devtools: { socket: 'chrome_devtools_remote' } },
      8124,
    );
    expect(adb.calls.find((c) => c.argv[0] === 'am')?.argv).toEqual(['am', 'start', '-n', CHROME_ACTIVITY, '-d', 'about:blank']);
    expect(r.endpoint).toBe(`http://127.0.0.1:${port}`);
  });

  it('says what to do when Chrome never answers', async () => {
    const adb = new ScriptedAdb([phone]);
    restore = configureAndroid({ transportFor: async () => adb, sleep: async () => undefined });
    await expect(createChromeBridge({ pollMs: 10, startWaitMs: 30 }).open({ kind: 'adb', model: 'Pixel 6' }, 8125)).rejects.toThrow(
      /^Chrome on Pixel 6 \(Pixel 6\): no DevTools answer at http:\/\/127\.0\.0\.1:\d+ .*open Chrome on the phone once, and check that USB debugging is on/,
    );
  });

  it('no phone: the same message as the Android runners, without a profile id it does not know', async () => {
    restore = configureAndroid({ transportFor: async () => new ScriptedAdb([]), sleep: async () => undefined });
    await expect(createChromeBridge().open({ kind: 'adb', model: 'Pixel 6' }, 8127)).rejects.toThrow(
      /^no Android device with ro\.product\.model 'Pixel 6' at the adb server scripted:5037 \(it lists no devices\); ways on: .*mnv4-bench run --device <device> --simulate/,
    );
  });

  it('the browser provider routes an adb connection through the registered bridge', async () => {
    const adb = new ScriptedAdb([phone]);
    adb.onForward = async (local) => void servers.push(await fakeDevtools(portOf(local)));
    restore = configureAndroid({ transportFor: async () => adb, sleep: async () => undefined });
    const p = browserProvider({ kind: 'adb', model: 'Pixel 6' });
    expect(p.precheck()).toBeNull();
    expect(p.describe).toBe('Chrome on Pixel 6');
    const route = await p.open(8126);
    expect(route.spec).toEqual({ kind: 'connect', endpoint: `http://127.0.0.1:${portOf(adb.forwards[0]!.local)}` });
  });
});
