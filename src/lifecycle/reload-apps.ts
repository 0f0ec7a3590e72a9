import { isDeepStrictEqual } from 'node:util';
import { type AppConfig, appKindOf, loadAppsFile, type TokenMode } from '../config/index.js';
import type { Logger } from '../logger.js';
import { errorText } from '../redact.js';

export interface AppsDiff {
  added: string[];
  removed: string[];
  /** Same appId, any per-app setting different (secret, name, token mode, JS-SDK domains, …). */
  changed: string[];
}

/** Which appIds a new apps list adds, removes or changes (named by appId only: never a secret). */
export function diffApps(previous: readonly AppConfig[], next: readonly AppConfig[]): AppsDiff {
  const before = new Map(previous.map((app) => [app.appId, app]));
  const after = new Map(next.map((app) => [app.appId, app]));
  // Every field of an app is one of its settings, so a change to any of them is a change.
  const same = (a: AppConfig, b: AppConfig) =>
    isDeepStrictEqual({ ...a, kind: appKindOf(a) }, { ...b, kind: appKindOf(b) });
  return {
    added: [...after.keys()].filter((appId) => !before.has(appId)),
    removed: [...before.keys()].filter((appId) => !after.has(appId)),
    changed: [...after.values()]
      .filter((app) => {
        const old = before.get(app.appId);
        return old !== undefined && !same(old, app);
      })
      .map((app) => app.appId),
  };
}

export interface ReloadAppsOptions {
  /** WECHAT_APPS_FILE. */
  path: string;
  /** WECHAT_TOKEN_MODE, for apps that do not name one. */
  defaultMode: TokenMode;
  /** The apps in force now. */
  current(): readonly AppConfig[];
  /** Puts the new apps in force (only called when the file is valid and differs). */
  apply(apps: AppConfig[]): Promise<void>;
  logger: Logger;
  /** Told the outcome of every reload (metrics). */
  onOutcome?: (outcome: 'ok' | 'error') => void;
}

/**
 * Re-reads the apps file and puts it in force; an unreadable or invalid file leaves the running
 * configuration untouched and logs one line saying why. Resolves to true when the new file is in force.
 */
export async function reloadApps(options: ReloadAppsOptions): Promise<boolean> {
  const { logger } = options;
  let next: AppConfig[];
  const previous = options.current();
  try {
    next = loadAppsFile(options.path, options.defaultMode);
  } catch (error) {
    options.onOutcome?.('error');
    logger.error(
      { err: errorText(error, secretsOf(previous)) },
      'apps file reload refused; the previous configuration stays in force',
    );
    return false;
  }
  const diff = diffApps(previous, next);
  if (diff.added.length + diff.removed.length + diff.changed.length === 0) {
    options.onOutcome?.('ok');
    logger.info({ apps: next.length }, 'apps file reloaded: no change');
    return true;
  }
  try {
    await options.apply(next);
  } catch (error) {
    options.onOutcome?.('error');
    logger.error(
      { err: errorText(error, secretsOf([...previous, ...next])) },
      'applying the reloaded apps file failed; the previous configuration stays in force',
    );
    return false;
  }
  options.onOutcome?.('ok');
  logger.info({ apps: next.length, ...diff }, 'apps file reloaded');
  return true;
}

function secretsOf(apps: readonly AppConfig[]): string[] {
  return apps.map((app) => app.appSecret);
}
