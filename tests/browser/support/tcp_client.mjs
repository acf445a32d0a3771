// A JSON-mode TCP client (docs/protocol.md, "Raw TCP") for the parts of a
// browser test that need a second, scripted user: seeding history, sending
// DMs. Frames are collected; waitFor() resolves on the first match.
import net from "node:net";

export async function register(server, name, password = "password123") {
  const res = await fetch(`${server.url}register`, {
    method: "POST",
    body: JSON.stringify({ name, password }),
  });
  if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${await res.text()}`);
  return res.json();
}

export class TcpClient {
  static async login(server, name, password = "password123") {
    const client = new TcpClient(server.tcpPort);
    await client.connected;
    client.write({ action: "login", body: { name, password } });
    await client.waitFor((f) => f.type === "replayed");
    return client;
  }

  constructor(port) {
    this.frames = [];
    this.waiters = [];
    this.buffer = "";
    this.nextRef = 1;
    this.socket = net.connect(port, "127.0.0.1");
    this.connected = new Promise((ok, fail) => {
      this.socket.once("connect", ok);
      this.socket.once("error", fail);
    });
    this.socket.setEncoding("utf8").on("data", (chunk) => {
      this.buffer += chunk;
      let nl;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const frame = JSON.parse(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
        this.frames.push(frame);
        this.waiters = this.waiters.filter((w) => !(w.pred(frame) && (w.done(frame), true)));
      }
    });
  }

  write(frame) {
    this.socket.write(`${JSON.stringify(frame)}\n`);
  }

  /** Sends a request and resolves with the reply carrying its ref. */
  call(action, target, body) {
    const ref = `t${this.nextRef++}`;
    const frame = { action, ref };
    if (target !== undefined) frame.target = target;
    if (body !== undefined) frame.body = body;
    this.write(frame);
    return this.waitFor((f) => f.ref === ref);
  }

  waitFor(pred, timeoutMs = 10000) {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error("TcpClient: no matching frame")), timeoutMs);
      this.waiters.push({ pred, done: (f) => { clearTimeout(timer); done(f); } });
    });
  }

  close() {
    this.socket.destroy();
  }
}
