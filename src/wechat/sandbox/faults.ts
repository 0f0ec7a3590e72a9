import { isSandboxEndpoint, SANDBOX_ENDPOINTS, type SandboxEndpoint } from './endpoints.js';
import { SandboxInputError } from './input-error.js';

/**
 * Injected failures. Each fault applies to one endpoint (or all), to the next `times` calls (or until
 * cleared); the oldest matching fault wins, except `latency`, which delays the call and lets the
 * next matching fault (or the normal answer) respond.
 */
export type FaultKind =
  /** errcode -1 "system error". */
  | 'busy'
  /** errcode 45009, the daily quota. */
  | 'daily-quota'
  /** errcode 45011, the per-minute limit. */
  | 'minute-quota'
  /** errcode 40164 naming 203.0.113.9 as the caller. */
  | 'ip-not-whitelisted'
  /** Any errcode/errmsg you choose. */
  | 'errcode'
  /** Waits `ms` before answering. */
  | 'latency'
  /** Accepts the request and never answers. */
  | 'hang'
  /** Sends the headers and the start of a body, then never finishes it. */
  | 'stalled-body'
  /** HTTP 502 with an HTML page, as a proxy in front of WeChat sends. */
  | 'bad-gateway'
  /** HTTP 200 with a truncated JSON body. */
  | 'invalid-json'
  /** HTTP 200 with an empty body. */
  | 'empty-body';

export const FAULT_KINDS: readonly FaultKind[] = [
  'busy',
  'daily-quota',
  'minute-quota',
  'ip-not-whitelisted',
  'errcode',
  'latency',
  'hang',
  'stalled-body',
  'bad-gateway',
  'invalid-json',
  'empty-body',
];

export interface FaultSpec {
  kind: FaultKind;
  /** Only calls to this endpoint; all four when absent. */
  endpoint?: SandboxEndpoint;
  /** Only the next N matching calls; until cleared when absent. */
  times?: number;
  /** For `latency`: the delay in milliseconds. */
  ms?: number;
  /** For `errcode`: the errcode to answer. */
  errcode?: number;
  /** For `errcode`: the errmsg (a ` rid: …` suffix is appended). @default "sandbox fault" */
  errmsg?: string;
}

export interface Fault extends FaultSpec {
  id: string;
}

export function validateFault(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SandboxInputError('a fault must be a JSON object, e.g. { "kind": "busy", "times": 1 }');
  }
  const spec = input as Record<string, unknown>;
  if (!FAULT_KINDS.includes(spec.kind as FaultKind)) {
    throw new SandboxInputError(`fault "kind" must be one of ${FAULT_KINDS.join(', ')}`);
  }
  if (
    spec.endpoint !== undefined &&
    !(typeof spec.endpoint === 'string' && isSandboxEndpoint(spec.endpoint))
  ) {
    throw new SandboxInputError(
      `fault "endpoint" must be one of ${SANDBOX_ENDPOINTS.join(', ')} (or omitted)`,
    );
  }
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && (spec.times as number) > 0)) {
    throw new SandboxInputError('fault "times" must be a whole number > 0 (or omitted: until cleared)');
  }
  if (spec.kind === 'latency' && !(typeof spec.ms === 'number' && spec.ms >= 0 && Number.isFinite(spec.ms))) {
    throw new SandboxInputError('a latency fault needs "ms": the delay in milliseconds (≥ 0)');
  }
  if (spec.kind === 'errcode' && !(Number.isInteger(spec.errcode) && spec.errcode !== 0)) {
    throw new SandboxInputError('an errcode fault needs "errcode": a non-zero whole number');
  }
  if (spec.errmsg !== undefined && typeof spec.errmsg !== 'string') {
    throw new SandboxInputError('fault "errmsg" must be a string');
  }
  return spec as unknown as FaultSpec;
}

export class FaultBook {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault = { ...validateFault(spec), id: `f${this.nextId++}` };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.faults = [];
  }

  /** Consumes what applies to one call: the delay to add, then the fault that answers (if any). */
  take(endpoint: SandboxEndpoint): { delayMs: number; fault: Fault | undefined } {
    const latency = this.consume(endpoint, (fault) => fault.kind === 'latency');
    const fault = this.consume(endpoint, (candidate) => candidate.kind !== 'latency');
    return { delayMs: latency?.ms ?? 0, fault };
  }

  private consume(endpoint: SandboxEndpoint, pick: (fault: Fault) => boolean): Fault | undefined {
    const index = this.faults.findIndex(
      (fault) => pick(fault) && (fault.endpoint === undefined || fault.endpoint === endpoint),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index] as Fault;
    if (fault.times !== undefined) {
      if (fault.times <= 1) this.faults.splice(index, 1);
      else this.faults[index] = { ...fault, times: fault.times - 1 };
    }
    return fault;
  }
}
