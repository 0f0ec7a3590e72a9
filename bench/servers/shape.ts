/**
 * The schema shape every competitor serves: the gateway's `tokenStatus` field with the same types,
 * answered from memory, so the bench compares servers and not resolvers.
 */

export const TYPE_DEFS = /* GraphQL */ `
  enum TokenState { FRESH EXPIRING EXPIRED MISSING }
  scalar DateTime
  type TokenStatus {
    appId: ID!
    name: String!
    state: TokenState!
    expiresAt: DateTime
    expiresInSeconds: Int
    obtainedAt: DateTime
    accessToken: String
    degraded: Boolean!
  }
  type Query { tokenStatus(appId: ID): TokenStatus! }
`;

const obtainedAt = Date.now();
const expiresAt = obtainedAt + 7_200_000;
const ACCESS_TOKEN = 'bench-token-'.padEnd(136, 'x');

export interface ShapeTokenStatus {
  appId: string;
  name: string;
  state: 'FRESH';
  expiresAt: string;
  expiresInSeconds: number;
  obtainedAt: string;
  accessToken: string;
  degraded: boolean;
}

/** What the gateway would answer for a cached token (ISO strings stand for DateTime). */
export function tokenStatusOf(appId: string | undefined): ShapeTokenStatus {
  return {
    appId: appId ?? 'wx5a4d0e1f2b3c4d5e',
    name: 'bench',
    state: 'FRESH',
    expiresAt: new Date(expiresAt).toISOString(),
    expiresInSeconds: Math.floor((expiresAt - Date.now()) / 1000),
    obtainedAt: new Date(obtainedAt).toISOString(),
    accessToken: ACCESS_TOKEN,
    degraded: false,
  };
}

export const resolvers = {
  Query: {
    tokenStatus: (_root: unknown, args: { appId?: string | null }) => tokenStatusOf(args.appId ?? undefined),
  },
};

/**
 * Tells the bench where this server listens: over the IPC channel when bench/run.ts started it (its
 * stdout then goes nowhere), else as a `{"url": …}` line on stdout for a server started by hand.
 */
export function announce(url: string): void {
  if (process.send) {
    process.send({ url });
    process.disconnect();
    return;
  }
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}
