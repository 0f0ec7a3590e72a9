import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { announce, resolvers, TYPE_DEFS } from './shape.js';

/** Apollo Server 5 standalone (its own node:http integration) with its defaults. */

const apollo = new ApolloServer({ typeDefs: TYPE_DEFS, resolvers });
const { url } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' } });
announce(new URL('/graphql', url).href);
process.once('SIGTERM', () => {
  apollo.stop().finally(() => process.exit(0));
});
