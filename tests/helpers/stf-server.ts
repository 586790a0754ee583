/**
 * A local stand-in of DeviceFarmer STF's REST API (doc/API.md of DeviceFarmer/stf) on 127.0.0.1: bearer-token
 * authentication, the device list, reservation (POST/DELETE /api/v1/user/devices), remoteConnect (which makes
 * the phone reachable by `adb connect` on the test adb server, as STF's providers expose adbd over TCP).
 * It answers what it is asked and keeps the state a farm keeps: who holds which device, which are connected.
 * Faults: a refused token (any other token), a reservation that hangs, no device of a model.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StandInPhone, TestAdbServer } from './adb-server.js';

export interface FarmDevice {
  serial: string;
  phone: Omit<StandInPhone, 'serial'>;
  present?: boolean;
  ready?: boolean;
  /** held by someone else. */
  ownerEmail?: string;
}

export class StfStandIn {
  private server: Server | undefined;
  readonly log: string[] = [];
  /** serial -> owner (us) while reserved. */
  readonly reserved = new Set<string>();
  private tcpPort = 40000;
  port = 0;
  /** reservations hang (no answer) when set. */
  hangReservations = false;

  constructor(
    private readonly devices: FarmDevice[],
    private readonly token: string,
    private readonly adb: TestAdbServer,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.log.push(`${req.method} ${path}`);
    const send = (status: number, json: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, { success: false, description: 'Bad Credentials' });
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === '/api/v1/devices') {
      return send(200, {
        success: true,
        devices: this.devices.map((d) => ({
          serial: d.serial,
          model: d.phone.props['ro.product.model'],
          manufacturer: d.phone.props['ro.product.manufacturer'],
          present: d.present ?? true,
          ready: d.ready ?? true,
          using: this.reserved.has(d.serial),
          owner: d.ownerEmail ? { email: d.ownerEmail } : this.reserved.has(d.serial) ? { email: 'bench@example.org' } : null,
        })),
      });
    }
    if (req.method === 'POST' && path === '/api/v1/user/devices') {
      if (this.hangReservations) return; // never answers
      const d = this.devices.find((x) => x.serial === body.serial);
      if (!d) return send(404, { success: false, description: 'Unknown device' });
      if (d.ownerEmail || this.reserved.has(d.serial)) return send(403, { success: false, description: 'Device is being used' });
      this.reserved.add(d.serial);
      return send(200, { success: true, description: 'Device successfully added' });
    }
    if ((m = /^\/api\/v1\/user\/devices\/([^/]+)\/remoteConnect$/.exec(path))) {
      const serial = decodeURIComponent(m[1] as string);
      const d = this.devices.find((x) => x.serial === serial);
      if (!d || !this.reserved.has(serial)) return send(403, { success: false, description: 'Device is not owned by you' });
      if (req.method === 'DELETE') return send(200, { success: true, description: 'Device remote disconnected successfully' });
      const url = `127.0.0.1:${this.tcpPort++}`;
      this.adb.addTcpPhone(url, d.phone);
      return send(200, { success: true, remoteConnectUrl: url });
    }
    if (req.method === 'DELETE' && (m = /^\/api\/v1\/user\/devices\/([^/]+)$/.exec(path))) {
      const serial = decodeURIComponent(m[1] as string);
      if (!this.reserved.delete(serial)) return send(403, { success: false, description: 'Device is not owned by you' });
      return send(200, { success: true, description: 'Device successfully removed' });
    }
    return send(404, { success: false, description: 'Not Found' });
  }
}
