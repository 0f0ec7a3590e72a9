import { builder } from '../builder.js';

export const TokenStateEnum = builder.enumType('TokenState', {
  description: 'Where an app’s cached access token stands relative to its expiry.',
  values: {
    FRESH: { description: 'Cached and valid beyond the refresh margin.' },
    EXPIRING: { description: 'Cached and still valid, but inside the refresh margin: a refresh is due.' },
    EXPIRED: { description: 'Cached but past its expiry: WeChat will reject it.' },
    MISSING: { description: 'No token is cached yet (none fetched, or the last one was invalidated).' },
  } as const,
});
