/** Redis pub/sub channels of the model path. */
export const MODEL_PROMOTED = 'model.promoted';
export const PREDICTION_UPDATED = 'prediction.updated';

export interface ModelPromotedEvent {
  exchange: string;
  /** Exchange pair, `BTCUSDT`. */
  symbol: string;
  interval: string;
  modelVersionId: string;
}
