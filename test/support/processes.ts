import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` until it returns a truthy value (no fixed sleeps in assertions). */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A redis-server of the test's own on its own port (never the machine's shared 6379), so the
 * test may kill and restart it. Keeps nothing on disk: a restart comes back empty.
 */
export class OwnRedis {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'hm-redis-'));
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], {
      stdio: 'ignore',
    });
    await eventually(() => canConnect(this.port), `redis-server on ${this.port}`);
  }

  /** SIGKILL: the server vanishes without a goodbye, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The compiled app (`node dist/src/main.js ...`) as a child process, with its output collected. */
export class AppProcess {
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  readonly exited: Promise<number | null>;
  private stdoutRest = '';
  private stderrRest = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.stdoutRest + chunk).split('\n');
      this.stdoutRest = parts.pop() ?? '';
      this.stdoutLines.push(...parts);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.stderrRest + chunk).split('\n');
      this.stderrRest = parts.pop() ?? '';
      this.stderrLines.push(...parts);
    });
    // 'close' (not 'exit'): the exit code, once stdout and stderr have been read to the end.
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  static spawn(args: string[], env: Record<string, string>): AppProcess {
    const child = spawn(process.execPath, ['dist/src/main.js', ...args], {
      cwd: process.cwd(),
      // Only what the test sets, plus PATH: nothing leaks in from the developer's shell.
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(child);
  }

  /** stdout and stderr as complete lines once the process has exited. */
  async finished(): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
    const code = await this.exited;
    await new Promise((resolve) => setImmediate(resolve));
    const flush = (rest: string, lines: string[]) => (rest ? [...lines, rest] : lines);
    return { code, stdout: flush(this.stdoutRest, this.stdoutLines), stderr: flush(this.stderrRest, this.stderrLines) };
  }

  /**
   * The first stdout line matching `pattern`. A process that already exited may have printed it
   * last: its output is read to the end (the pipes close after 'exit') before giving up.
   */
  async waitForStdout(pattern: RegExp, what = String(pattern)): Promise<string> {
    const find = () => this.stdoutLines.find((line) => pattern.test(line));
    return eventually(async () => {
      const line = find();
      if (line !== undefined) return line;
      if (this.child.exitCode === null && this.child.signalCode === null) return undefined;
      const { stdout, stderr } = await this.finished();
      const last = stdout.find((l) => pattern.test(l));
      if (last !== undefined) return last;
      throw new Error(`process exited with ${this.child.exitCode ?? this.child.signalCode} before printing ${what}: ${stderr.join(' | ')}`);
    }, what);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/**
 * A TCP relay in front of a server. While `hold()` is on, what clients send is kept instead of
 * forwarded, so a test can freeze a request at a known point (a query sent, not yet answered)
 * and watch for it deterministically, then `release()` it.
 */
export class HoldingProxy {
  private holding = false;
  private held: { upstream: net.Socket; data: Buffer }[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  port = 0;

  private constructor(targetPort: number, targetHost: string) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost);
      this.sockets.add(client).add(upstream);
      client.on('data', (data) => {
        if (this.holding) this.held.push({ upstream, data });
        else upstream.write(data);
      });
      upstream.on('data', (data) => client.write(data));
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<HoldingProxy> {
    const proxy = new HoldingProxy(targetPort, targetHost);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  hold(): void {
    this.holding = true;
  }

  /** Everything held so far, as text (the Postgres simple-query protocol carries SQL as text). */
  heldText(): string {
    return Buffer.concat(this.held.map((h) => h.data)).toString('latin1');
  }

  release(): void {
    this.holding = false;
    for (const { upstream, data } of this.held.splice(0)) upstream.write(data);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
