import { createLogger, exitAfterFlush } from '../../../src/logger.js';

/**
 * A process with the production logger (stdout, buffered, asynchronous) that logs `LINES` lines and
 * one last line, then exits as src/main.ts does: test/ops/log-destination.test.ts reads its stdout.
 */
const logger = createLogger({ level: 'info' });
const lines = Number(process.env.LINES ?? '0');
for (let i = 0; i < lines; i++) logger.info({ i }, 'graphql request');
logger.info({ clean: true }, 'shutdown complete');
exitAfterFlush(logger, 0);
