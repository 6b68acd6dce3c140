import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export class WebhookUrlError extends Error {}

/**
 * Why an address may not receive webhooks, or null when it may. Only ordinary unicast addresses
 * may: every range ipaddr.js names (private, loopback, link-local, multicast, site-local,
 * reserved, the IPv6 forms that tunnel to IPv4, ...) is refused, so a range this list forgot
 * cannot slip through. IPv6 addresses that embed an IPv4 one (`::ffff:a.b.c.d`, and the
 * deprecated IPv4-compatible `::a.b.c.d`) are judged by that IPv4 address.
 */
export function refusedAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) {
    return `${address} is not an IP address`;
  }
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      parsed = v6.toIPv4Address();
    } else if (v6.range() === 'unicast' && v6.parts.slice(0, 6).every((part) => part === 0)) {
      parsed = ipaddr.fromByteArray(v6.toByteArray().slice(12));
    }
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

/** A host as DNS sees it: IPv6 literals without their brackets, lower-case. */
function bareHost(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}

/** Host of a URL as DNS sees it. */
export function hostOf(url: URL): string {
  return bareHost(url.hostname);
}

/**
 * Decides where webhooks may go: http(s) only, and by default never to hosts that resolve to
 * private, loopback, link-local or multicast addresses (SSRF), unless WEBHOOK_ALLOWED_HOSTS lists
 * them. The same check runs at subscription time and on every delivery, on the very addresses
 * the connection then uses, so a DNS answer that changes in between (rebinding) gains nothing.
 */
export class WebhookUrlGuard {
  private readonly allowed: Set<string>;

  constructor(
    allowedHosts: string[],
    private readonly resolve: (host: string) => Promise<LookupAddress[]> = resolveAll,
  ) {
    this.allowed = new Set(allowedHosts.map(bareHost));
  }

  /** Parses and checks a subscription URL; throws `WebhookUrlError` naming the problem. */
  async check(raw: string): Promise<URL> {
    const url = parseWebhookUrl(raw);
    await this.addressesFor(hostOf(url));
    return url;
  }

  /** The addresses a delivery may connect to for `host`; throws when any of them is refused. */
  async addressesFor(host: string): Promise<LookupAddress[]> {
    let addresses: LookupAddress[];
    if (isIP(host)) {
      addresses = [{ address: host, family: isIP(host) }];
    } else {
      try {
        addresses = await this.resolve(host);
      } catch (error) {
        throw new WebhookUrlError(
          `host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        );
      }
      if (!addresses.length) {
        throw new WebhookUrlError(`host ${host} does not resolve`);
      }
    }
    if (this.allowed.has(host)) {
      return addresses;
    }
    for (const { address } of addresses) {
      if (this.allowed.has(address.toLowerCase())) {
        continue;
      }
      const reason = refusedAddressReason(address);
      if (reason) {
        throw new WebhookUrlError(
          `host ${host} resolves to a private or internal address (${reason}); list it in WEBHOOK_ALLOWED_HOSTS to allow it`,
        );
      }
    }
    return addresses;
  }

  /**
   * A `lookup` for `http.request` that resolves, checks and pins: the socket connects only to
   * addresses that passed the check.
   */
  lookupFor(): (hostname: string, options: object, callback: (...args: never[]) => void) => void {
    return (hostname, _options, callback) => {
      const done = callback as unknown as (
        error: Error | null,
        address: string | LookupAddress[],
        family?: number,
      ) => void;
      const all = (_options as { all?: boolean }).all === true;
      this.addressesFor(bareHost(hostname)).then(
        (addresses) => {
          if (all) {
            done(null, addresses);
          } else {
            const first = addresses[0]!;
            done(null, first.address, first.family);
          }
        },
        (error: Error) => done(error, all ? [] : ''),
      );
    };
  }
}

/** http(s), a host, no credentials, at most 2048 characters. */
function parseWebhookUrl(raw: string): URL {
  if (raw.length > 2048) {
    throw new WebhookUrlError('must be at most 2048 characters');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookUrlError(`must use http or https, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (!url.hostname) {
    throw new WebhookUrlError('must name a host');
  }
  if (url.username || url.password) {
    throw new WebhookUrlError(
      'must not carry credentials; authenticate deliveries by their signature',
    );
  }
  return url;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );
}
