import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure answered instead of the next requests. */
export interface FakeFailure {
  status: number;
  remaining: number;
  retryAfter?: string;
}

/**
 * What the fake outside APIs share: a local HTTP server, injected failures (`failNext`) and
 * malformed answers (`malformNext`) taken in order by the subclass's `handle`.
 */
export abstract class FakeHttpApi<Malformation> {
  private readonly server: Server = createServer((request, response) =>
    this.handle(request, response),
  );
  private readonly failures: FakeFailure[] = [];
  private readonly malformations: Malformation[] = [];

  protected abstract handle(request: IncomingMessage, response: ServerResponse): void;

  /** Listens on a free port of 127.0.0.1. */
  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** The origin to configure as the API's URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `count` requests (default 1) get `status`. */
  failNext(
    status: number,
    options: { retryAfterSeconds?: number; retryAfterDate?: Date; count?: number } = {},
  ): void {
    const retryAfter =
      options.retryAfterSeconds !== undefined
        ? String(options.retryAfterSeconds)
        : options.retryAfterDate?.toUTCString();
    this.failures.push({ status, remaining: options.count ?? 1, retryAfter });
  }

  /** The next answer that would succeed is broken this way instead. */
  malformNext(kind: Malformation): void {
    this.malformations.push(kind);
  }

  /** The failure this request gets, if one is queued (counted as used). */
  protected takeFailure(): FakeFailure | undefined {
    const failure = this.failures[0];
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) {
        this.failures.shift();
      }
    }
    return failure;
  }

  /** The malformation this successful answer gets, if one is queued. */
  protected takeMalformation(): Malformation | undefined {
    return this.malformations.shift();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
