import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { retryDelayMs } from './retry-schedule';
import { SecretBox } from '../../common/secret-box';
import { generateSigningSecret, signatureHeader } from './webhook-signature';
import { parseRetryAfter, sendWebhook, storableText } from './webhook-sender';
import { WebhookUrlError, WebhookUrlGuard, refusedAddressReason } from './webhook-url-guard';

const SCHEDULE = [5_000, 300_000, 1_800_000];

describe('the retry schedule', () => {
  it('follows the schedule with at most 10% jitter and stops after the last slot', () => {
    expect(retryDelayMs(SCHEDULE, 0, null, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(SCHEDULE, 0, null, () => 0)).toBe(4_500);
    expect(retryDelayMs(SCHEDULE, 0, null, () => 1)).toBe(5_500);
    expect(retryDelayMs(SCHEDULE, 2, null, () => 0.5)).toBe(1_800_000);
    expect(retryDelayMs(SCHEDULE, 3, null)).toBeNull();
  });

  it("waits at least the receiver's Retry-After, up to a day", () => {
    expect(retryDelayMs(SCHEDULE, 0, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(SCHEDULE, 1, 1_000, () => 0.5)).toBe(300_000);
    expect(retryDelayMs(SCHEDULE, 0, 10 * 86_400_000, () => 0.5)).toBe(86_400_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});

describe('signing secrets', () => {
  it('are sealed at rest and open only under the same SECRET_KEY', () => {
    const secret = generateSigningSecret();
    const box = new SecretBox('a'.repeat(40));
    const sealed = box.seal(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.open(sealed)).toBe(secret);
    expect(() => new SecretBox('b'.repeat(40)).open(sealed)).toThrow(/another SECRET_KEY/);
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered)).toThrow();
  });

  it('sign so that the standardwebhooks library verifies, with every secret in force', () => {
    const [current, previous] = [generateSigningSecret(), generateSigningSecret()];
    const at = new Date();
    const body = JSON.stringify({ type: 'webhook.test', timestamp: at.toISOString(), data: {} });
    const headers = {
      'webhook-id': 'msg_test',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatureHeader([current, previous], 'msg_test', at, body),
    };
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(body + ' ', headers)).toThrow();
  });
});

describe('the URL guard', () => {
  it('names the range of every address it refuses', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.251',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd12::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '64:ff9b::a00:1',
      // Ranges a list of names once missed: site-local, and IPv4-compatible forms of internal
      // IPv4 addresses (loopback, the cloud metadata address).
      'fec0::1',
      '::7f00:1',
      '::a9fe:a9fe',
      '100::1',
    ]) {
      expect(refusedAddressReason(address)).not.toBeNull();
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) {
      expect(refusedAddressReason(address)).toBeNull();
    }
  });

  it('refuses hosts that resolve to internal addresses unless they are allowed', async () => {
    const dns = new Map([
      ['hooks.example.com', [{ address: '93.184.216.34', family: 4 }]],
      ['internal.example.com', [{ address: '10.0.0.7', family: 4 }]],
      [
        'mixed.example.com',
        [
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ],
      ],
    ]);
    const resolve = async (host: string) => {
      const found = dns.get(host);
      if (!found) {
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      }
      return found;
    };
    const guard = new WebhookUrlGuard(['internal.example.com'], resolve);
    await expect(guard.check('https://hooks.example.com/x')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('https://internal.example.com/x')).resolves.toBeInstanceOf(URL);
    await expect(
      new WebhookUrlGuard([], resolve).check('https://internal.example.com/x'),
    ).rejects.toThrow(/10\.0\.0\.7 is a private address/);
    await expect(guard.check('https://mixed.example.com/x')).rejects.toThrow(
      /127\.0\.0\.1 is a loopback address/,
    );
    await expect(guard.check('https://nowhere.example.com/x')).rejects.toThrow(
      /does not resolve \(ENOTFOUND\)/,
    );
    await expect(guard.check('gopher://hooks.example.com/')).rejects.toThrow(WebhookUrlError);
    await expect(guard.check('https://user:pw@hooks.example.com/')).rejects.toThrow(/credentials/);
  });

  it('checks the address the connection really uses (DNS rebinding gains nothing)', async () => {
    // The first answer is public (the subscription is accepted), later answers point inside.
    let answers = 0;
    const guard = new WebhookUrlGuard([], async () => [
      answers++ === 0
        ? { address: '93.184.216.34', family: 4 }
        : { address: '127.0.0.1', family: 4 },
    ]);
    await guard.check('http://rebind.example.com/hook');
    const result = await sendWebhook({
      url: 'http://rebind.example.com/hook',
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      guard,
    });
    expect(result.ok).toBe(false);
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/127\.0\.0\.1 is a loopback address/);
  });
});

describe('one delivery attempt', () => {
  let server: Server;
  let url: string;
  const guard = new WebhookUrlGuard(['127.0.0.1']);
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      if (request.url === '/redirect') {
        response.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end();
      } else if (request.url === '/busy') {
        response.writeHead(429, { 'retry-after': '30' }).end('slow down');
      } else if (request.url === '/binary') {
        // NULs, and a 4-byte emoji straddling the 500-byte limit.
        response
          .writeHead(500)
          .end(Buffer.concat([Buffer.alloc(10), Buffer.from('a'.repeat(488) + '😀'.repeat(5))]));
      } else if (request.url === '/hang') {
        // never answers
      } else {
        response.writeHead(200).end('x'.repeat(10_000));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const send = (path: string, timeoutMs = 2000) =>
    sendWebhook({ url: `${url}${path}`, headers: {}, body: '{}', timeoutMs, guard });

  it('succeeds on 2xx and keeps only the start of the answer', async () => {
    const result = await send('/ok');
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(result.responseExcerpt).toHaveLength(500);
  });

  it('keeps only text PostgreSQL can store from a binary answer (no NUL, no half emoji)', async () => {
    const result = await send('/binary');
    expect(result).toMatchObject({ ok: false, statusCode: 500 });
    const excerpt = result.responseExcerpt ?? '';
    expect(excerpt).not.toContain('\u0000');
    expect(excerpt.startsWith('a'.repeat(488))).toBe(true);
    // Well-formed UTF-16: encoding it to UTF-8 and back changes nothing.
    expect(Buffer.from(excerpt, 'utf8').toString('utf8')).toBe(excerpt);
    expect(excerpt).toMatch(/a\uFFFD$/);
    expect(storableText(Buffer.alloc(0))).toBeNull();
  });

  it('does not follow redirects', async () => {
    const result = await send('/redirect');
    expect(result).toMatchObject({ ok: false, statusCode: 302 });
    expect(result.error).toContain('redirects are not followed');
  });

  it("takes the receiver's Retry-After from a 429", async () => {
    expect(await send('/busy')).toMatchObject({ ok: false, statusCode: 429, retryAfterMs: 30_000 });
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const result = await send('/hang', 300);
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'no answer within 300 ms' });
    expect(result.durationMs).toBeLessThan(1000);
  });
});
