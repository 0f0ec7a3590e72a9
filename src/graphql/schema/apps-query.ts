import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { AppRef } from './app.js';

builder.queryFields((t) => ({
  apps: t.field({
    type: [AppRef],
    description:
      'Every app configured on this gateway (those the caller may act on), in configuration order.',
    resolve: (_root, _args, { tokens, caller }) =>
      tokens.listApps().filter((app) => !caller.appIds || caller.appIds.has(app.appId)),
  }),
  app: t.field({
    type: AppRef,
    nullable: true,
    description:
      'One app by AppID. Nullable, so aliases asking several apps return data for the good ones and an error (with its path) for each failing one.',
    args: { appId: t.arg.id({ required: true, description: 'The WeChat AppID ("wx" + 16 hex digits).' }) },
    resolve: (_root, args, { tokens, caller }) => {
      const appId = resolveAppId(String(args.appId), tokens, caller);
      return tokens.listApps().find((app) => app.appId === appId) ?? null;
    },
  }),
}));
