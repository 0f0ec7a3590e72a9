import { execFileSync } from 'node:child_process';

export type ToolPlan = { run: true; path: string } | { run: false; fail: boolean; reason: string };

/** CI must run the tool; a developer machine without it gets a loud skip (as the browser tests do). */
export function toolPlan(
  name: string,
  installedAt: string | undefined,
  install: string,
  env: NodeJS.ProcessEnv,
): ToolPlan {
  if (installedAt) return { run: true, path: installedAt };
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return {
    run: false,
    fail: ci,
    reason: ci
      ? `CI is set but ${name} is missing: .ci/run installs it (${install}).`
      : `${name} is missing: its tests are SKIPPED. Install it with \`${install}\` to run them.`,
  };
}

/** Where `name` is on PATH, if anywhere. */
export function which(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function warnSkipped(plan: ToolPlan): void {
  if (plan.run || plan.fail) return;
  const line = '!'.repeat(plan.reason.length + 4);
  console.warn(`\n${line}\n! ${plan.reason} !\n${line}\n`);
}
