import type { BucketPolicy, TakeResult } from './token-bucket.js';

/**
 * Where token buckets live: process memory, or Redis so every replica draws from one budget.
 * Bucket names are purposes plus key ids or appIds (never an API key).
 */
export interface BucketStore {
  readonly kind: 'memory' | 'redis';
  take(bucket: string, policy: BucketPolicy, cost?: number): Promise<TakeResult>;
  /**
   * The same take when it can be answered without waiting (from memory), else undefined and nothing
   * is taken: `take` then answers it.
   */
  takeNow?(bucket: string, policy: BucketPolicy, cost?: number): TakeResult | undefined;
  close(): Promise<void>;
}
