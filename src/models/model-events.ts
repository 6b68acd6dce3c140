/** Redis pub/sub channels of the model path. */
export const MODEL_PROMOTED = 'model.promoted';
/** The production model of a market was retired by an admin: the market has none now. */
export const MODEL_RETIRED = 'model.retired';
export const PREDICTION_UPDATED = 'prediction.updated';

/** Payload of `model.promoted` and `model.retired`. */
export interface ModelPromotedEvent {
  exchange: string;
  /** Exchange pair, `BTCUSDT`. */
  symbol: string;
  interval: string;
  modelVersionId: string;
}
