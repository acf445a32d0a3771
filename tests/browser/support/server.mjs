// Starts the real chat-actors binary for a browser test: a fresh temp
// folder with its own server.ini and database, port 0 (the port is read
// from the "listening on" line), and a restart on the same port and data.
// With BROWSER_TEST_TLS=1 (ctest's browser_https_* runs) the server gets a
// self-signed certificate made with openssl and serves https:// and wss://;
// chromium is told to accept it (support/browser.mjs) and so are the
// helpers' own fetch calls.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const sourceDir = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const binary = process.env.CHAT_ACTORS_BIN || join(sourceDir, "build", "chat-actors");
export const tls = process.env.BROWSER_TEST_TLS === "1";
if (tls) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"; // the helpers' fetch: a test certificate

/** A self-signed certificate for 127.0.0.1 in `dir`: {cert, key}. */
export function selfSigned(dir) {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", key, "-out", cert], { stdio: "ignore" });
  return { cert, key };
}

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    }).on("error", fail);
  });
}

/** As bench/run configures the server for a load run: rate and connection
 * limits that never cut a run (a fan-out sends thousands per second per
 * connection from one address); everything else stays the default. */
export const loadLimits = {
  "limits.messages_per_second": "100000",
  "limits.burst": "100000",
  "limits.logins_per_minute_per_ip": "100000",
  "limits.logins_per_minute_per_name": "100000",
  "limits.max_connections_per_ip": "100000",
};

export class Server {
  /** `settings`: {"section.key": value} on top of the test defaults. */
  static async start(settings = {}) {
    // tcp_port = 0 turns raw TCP off, so the tests pick a free port for it.
    const server = new Server({ "server.tcp_port": String(await freePort()), ...settings });
    await server.launch();
    return server;
  }

  constructor(settings) {
    this.dir = mkdtempSync(join(tmpdir(), "chat-actors-browser-"));
    this.settings = {
      "server.bind": "127.0.0.1",
      "server.http_port": "0",
      "server.tcp_port": "0",
      "server.web_root": join(sourceDir, "web"),
      "storage.path": join(this.dir, "chat.db"),
      "auth.hash_ops": "1",
      "auth.hash_mem_kib": "8",
      ...settings,
    };
    if (tls) {
      const { cert, key } = selfSigned(this.dir);
      this.settings["tls.cert_file"] = cert;
      this.settings["tls.key_file"] = key;
    }
    this.output = "";
  }

  writeConfig() {
    const sections = {};
    for (const [key, value] of Object.entries(this.settings)) {
      const [section, name] = key.split(".");
      (sections[section] ??= []).push(`${name} = ${value}`);
    }
    const ini = Object.entries(sections)
      .map(([section, lines]) => `[${section}]\n${lines.join("\n")}\n`).join("\n");
    const path = join(this.dir, "server.ini");
    writeFileSync(path, ini);
    return path;
  }

  launch() {
    const child = spawn(binary, ["--config", this.writeConfig()], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.exited = new Promise((done) => child.on("exit", (code, signal) => done(code ?? signal)));
    return new Promise((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`no listening line:\n${this.output}`)), 20000);
      const read = (chunk) => {
        this.output += chunk;
        const http = /listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(this.output);
        const tcp = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(this.output);
        const wantTcp = this.settings["server.tcp_port"] !== "0";
        if (http && (tcp || !wantTcp) && !this.ready) {
          this.ready = true;
          clearTimeout(timer);
          this.port = Number(http[1]);
          this.tcpPort = tcp ? Number(tcp[1]) : 0;
          ready();
        }
      };
      child.stdout.setEncoding("utf8").on("data", read);
      child.stderr.setEncoding("utf8").on("data", read);
      child.on("error", (err) => fail(err));
      this.exited.then((code) => {
        if (!this.ready) fail(new Error(`server exited (${code}):\n${this.output}`));
      });
    });
  }

  get url() {
    return `${tls ? "https" : "http"}://127.0.0.1:${this.port}/`;
  }

  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 10000);
    await this.exited;
    clearTimeout(killer);
  }

  /** Stops the server and starts it again on the same ports and database. */
  async restart() {
    await this.stop();
    await this.relaunch();
  }

  /** Starts a stopped server again on the same ports and database. */
  async relaunch() {
    this.settings["server.http_port"] = String(this.port);
    this.settings["server.tcp_port"] = String(this.tcpPort);
    this.ready = false;
    this.output = "";
    await this.launch();
  }

  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
