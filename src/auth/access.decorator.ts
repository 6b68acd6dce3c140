import { Reflector } from '@nestjs/core';

/**
 * Who may call a route or resolver:
 * - `public`: anyone (health, metrics, docs);
 * - `public-read`: anyone when PUBLIC_READ=true, else any valid key (market data reads);
 * - `client`: any valid key (the default when a handler says nothing);
 * - `admin`: an admin key.
 */
export type AccessLevel = 'public' | 'public-read' | 'client' | 'admin';

export const Access = Reflector.createDecorator<AccessLevel>();
