/**
 * Worker thread of Float32RanksPool: computes float32Ranks of each array the main thread posts, at
 * the middle ranks and the given fractions (summaryRanks), and posts the result back.
 */
import { parentPort } from 'node:worker_threads';
import { float32Ranks, type Float32RankResult } from './float32-rank-select.js';
import { summaryRanks } from './float32-summary-ranks.js';

/** A job: values and the fractions whose ranks are wanted besides the middle ones. */
export interface Float32RanksRequest {
  id: number;
  data: Float32Array;
  fractions: number[];
}

/** The answer to a job (or its failure's message). */
export interface Float32RanksReply {
  id: number;
  result?: Float32RankResult;
  error?: string;
}

parentPort?.on('message', (m: Float32RanksRequest) => {
  let reply: Float32RanksReply;
  try {
    reply = { id: m.id, result: float32Ranks(m.data, (n) => summaryRanks(n, m.fractions)) };
  } catch (err) {
    reply = { id: m.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
