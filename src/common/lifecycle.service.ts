import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Whether this process is draining before shutdown: readiness answers 503 so load balancers stop
 * sending traffic, and responses close their keep-alive connections, while requests that already
 * reached the process are still served.
 */
@Injectable()
export class LifecycleService {
  draining = false;
}

@Global()
@Module({ providers: [LifecycleService], exports: [LifecycleService] })
export class LifecycleModule {}
