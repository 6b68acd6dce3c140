/** Redis pub/sub channel of new signals. */
export const SIGNAL_CREATED = 'signal.created';
