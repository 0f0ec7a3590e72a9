/** Options of the optional `appId` argument every app-scoped root field takes (`t.arg.id(appIdArg)`). */
export const appIdArg = {
  required: false,
  description: 'The WeChat AppID ("wx" + 16 hex digits). May be omitted when exactly one app is configured.',
} as const;
