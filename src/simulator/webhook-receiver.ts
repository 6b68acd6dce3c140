import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Epoch ms with sub-millisecond precision. */
  receivedAt: number;
  /** Whether `standardwebhooks` verified it with one of the receiver's secrets. */
  verified: boolean;
  /** The status this receiver answered (0: it never answered). */
  answered: number;
}

/** What to answer to a request: a status, optional headers, and an optional wait first. */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (until the receiver closes): a hung endpoint. */
  hang?: boolean;
}

/**
 * A webhook receiver for tests and benchmarks: a local HTTP server that verifies each delivery
 * with the `standardwebhooks` library, as a third party would, and answers as told.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly secrets = new Set<string>();
  private readonly pathSecrets = new Map<string, Set<string>>();
  private answer: (request: { path: string; headers: Record<string, string> }) => ReceiverAnswer =
    () => ({ status: 204 });
  private readonly waiters = new Set<() => void>();
  private readonly hung = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (request, response) => receiver.handle(request, response));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Secrets deliveries are verified with (any one of them verifying is enough). With a path, the
   * secret verifies deliveries to that path only (one HMAC per delivery, however many endpoints).
   */
  trust(secret: string, path?: string): void {
    if (path === undefined) {
      this.secrets.add(secret);
      return;
    }
    const secrets = this.pathSecrets.get(path) ?? new Set<string>();
    secrets.add(secret);
    this.pathSecrets.set(path, secrets);
  }

  forget(secret: string): void {
    this.secrets.delete(secret);
    this.pathSecrets.forEach((secrets) => secrets.delete(secret));
  }

  answerWith(
    answer:
      | ReceiverAnswer
      | ((request: { path: string; headers: Record<string, string> }) => ReceiverAnswer),
  ): void {
    this.answer = typeof answer === 'function' ? answer : () => answer;
  }

  /** Successful deliveries, one per webhook-id (retries of a message collapse into one). */
  uniqueDelivered(path?: string): Map<string, ReceivedWebhook> {
    const unique = new Map<string, ReceivedWebhook>();
    for (const hook of this.received) {
      if (hook.answered >= 200 && hook.answered < 300 && (!path || hook.path === path)) {
        unique.set(hook.headers['webhook-id']!, unique.get(hook.headers['webhook-id']!) ?? hook);
      }
    }
    return unique;
  }

  /** Resolves once `predicate` holds over what was received. */
  async until(
    predicate: (received: ReceivedWebhook[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<void> {
    if (predicate(this.received)) {
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `Receiver: condition not met within ${timeoutMs} ms (${this.received.length} received)`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (predicate(this.received)) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.join(', ') : (value ?? ''),
        ]),
      );
      const path = request.url ?? '/';
      const answer = this.answer({ path, headers });
      const record = (answered = answer.status) => {
        this.received.push({
          path,
          headers,
          body,
          receivedAt: performance.timeOrigin + performance.now(),
          verified: this.verify(path, body, headers),
          answered,
        });
        this.waiters.forEach((check) => check());
      };
      if (answer.hang) {
        this.hung.add(response);
        record(0);
        return;
      }
      const reply = () => {
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.status === 204 ? undefined : JSON.stringify({ status: answer.status }));
        record();
      };
      if (answer.delayMs) {
        setTimeout(reply, answer.delayMs);
      } else {
        reply();
      }
    });
  }

  private verify(path: string, body: string, headers: Record<string, string>): boolean {
    const secrets = this.pathSecrets.get(path) ?? this.secrets;
    for (const secret of secrets) {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch {
        // try the next secret
      }
    }
    return false;
  }

  async close(): Promise<void> {
    this.hung.forEach((response) => response.destroy());
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
