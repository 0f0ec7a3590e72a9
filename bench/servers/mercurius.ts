import Fastify from 'fastify';
import mercurius from 'mercurius';
import { announce, resolvers, TYPE_DEFS } from './shape.js';

/** fastify + mercurius with graphql-jit compiling every document from its first run (`jit: 1`). */

const app = Fastify({ logger: false });
await app.register(mercurius, { schema: TYPE_DEFS, resolvers, jit: 1 });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
announce(`${address}/graphql`);
process.once('SIGTERM', () => {
  app.close().finally(() => process.exit(0));
});
