// The warning that the cache Redis has the wrong eviction policy (e.g. the default setup, where the
// cache shares the queue Redis and its noeviction): said once per process, only by what opens the
// L2 (the fleet, `emo cache warm`, CLI commands with CACHE_CLI_L2), never when the policy is right,
// and not at all with CACHE_POLICY_WARNING=false. `emo cache stats` still reports it.
import type { Logger } from '@emo/profiler';
import type { EvictionPolicyCheck } from './eviction-policy-check';

export class PolicyWarning {
  private readonly said = new Set<string>();

  /** Warns about the check unless it is ok, silenced or already said in this process; true when it warned. */
  warn(check: EvictionPolicyCheck, logger: Pick<Logger, 'warn'> | undefined, enabled: boolean): boolean {
    if (!enabled || !logger || check.verdict === 'ok' || !check.advice) return false;
    const key = `${check.verdict}:${check.policy ?? '?'}`;
    if (this.said.has(key)) return false;
    this.said.add(key);
    logger.warn(
      { policy: check.policy, verdict: check.verdict },
      `result cache: ${check.advice} (CACHE_POLICY_WARNING=false silences this warning)`,
    );
    return true;
  }
}

/** The one of this process. */
export const processPolicyWarning = new PolicyWarning();
