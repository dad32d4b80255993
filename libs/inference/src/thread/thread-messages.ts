// Messages between the inference pool (main thread) and its worker threads.
import type { ErrorCode } from '@emo/contracts';
import type { PaddedRun } from '../batching/padded-batch';
import type { SessionRequest } from '../session/ort-session-factory';

export interface InitMessage {
  readonly type: 'init';
  readonly session: SessionRequest;
  readonly expectedLabels: number;
}

export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  /** Session runs, back to back in the tensors (rows × seq each). */
  readonly runs: readonly PaddedRun[];
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
}

/** Drop a run message the thread holds but has not started; answered by `retracted`, or not at all once started. */
export interface RetractMessage {
  readonly type: 'retract';
  readonly id: number;
}

export type ToThread = InitMessage | RunMessage | RetractMessage;

export interface ReadyMessage {
  readonly type: 'ready';
  readonly provider: string;
  readonly fromCache: boolean;
  readonly failures: readonly string[];
  readonly inputNames: readonly string[];
  readonly outputName: string;
}

export interface ResultMessage {
  readonly type: 'result';
  readonly id: number;
  readonly logits: Float32Array;
  readonly numLabels: number;
  readonly inferMs: number;
}

export interface ErrorMessage {
  readonly type: 'error';
  /** Absent for an init failure. */
  readonly id?: number;
  readonly error: { code: ErrorCode; message: string };
}

export interface RetractedMessage {
  readonly type: 'retracted';
  readonly id: number;
}

export type FromThread = ReadyMessage | ResultMessage | ErrorMessage | RetractedMessage;
