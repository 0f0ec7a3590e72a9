import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { announce, resolvers, TYPE_DEFS } from './shape.js';

/** graphql-yoga with its defaults, as a new user would start it. */

const yoga = createYoga({ schema: createSchema({ typeDefs: TYPE_DEFS, resolvers }), logging: false });
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  announce(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
