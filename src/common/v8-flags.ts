import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring in the api process.
 *
 * Under load V8 may decide, during one scavenge that happens to find many requests in flight,
 * that an allocation site whose objects survived should from then on allocate straight into the
 * old generation. NestJS builds `[req, res, next]` for the guards of every request at one such
 * site; once it is "tenured", every request's array lives in the old generation and holds that
 * request's young objects through the next scavenges, so ~2.7 KB of each request is promoted and
 * each scavenge takes ~11 ms instead of ~1 ms. V8 undoes the decision only when less than 10% of
 * the old generation survives a full collection, which never happens in a service whose old
 * generation is mostly its own code and caches. The process then serves ~30-40% fewer requests
 * for the rest of its life; about one start in three went that way in `npm run bench:http`
 * (`--trace-pretenuring` shows the decision, `--trace-gc-nvp` the promoted bytes). The service
 * allocates nothing whose lifetime pretenuring would help with, so it is off.
 *
 * The flag is read when V8 digests pretenuring feedback at each scavenge, so setting it at start,
 * before any request, takes full effect.
 */
export function disableAllocationSitePretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
