import { Socket } from 'node:net';

/**
 * The sockets of one DataSource's pool, made here through pg's `stream` option so shutdown can
 * cut them. Ending a client politely needs an answer from the server: a Postgres that does not
 * answer (hung, partitioned, frozen) keeps a connecting client, or one whose query never
 * returns, open for ever, and with it the pool's close and the process.
 */
export class PostgresSockets {
  private readonly open = new Set<Socket>();

  /** pg's `stream` option: a plain socket per connection (TLS wraps it), remembered until it closes. */
  readonly stream = (): Socket => {
    const socket = new Socket();
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  get openCount(): number {
    return this.open.size;
  }

  /** Destroys every socket still open (their queries fail with a connection error); returns how many. */
  destroyAll(): number {
    const count = this.open.size;
    for (const socket of this.open) socket.destroy();
    return count;
  }
}
