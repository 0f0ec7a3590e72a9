import { builder } from '../builder.js';

export interface TokenErrorShape {
  code: string;
  message: string;
  at: Date;
}

export const TokenErrorRef = builder.objectRef<TokenErrorShape>('TokenError').implement({
  description: 'The last failure to obtain a token for an app.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The error code, as in GraphQL error extensions.' }),
    message: t.exposeString('message', { description: 'What went wrong and how to fix it (redacted).' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the attempt failed.' }),
  }),
});
