import type { JsSdkTickets } from '../credentials/kinds/js-sdk-ticket.js';
import type { TokenState } from '../credentials/types.js';
import type { StatusRow, StatusSectionSource } from './status-model.js';

const TONE: Record<TokenState, NonNullable<StatusRow['tone']>> = {
  FRESH: 'ok',
  EXPIRING: 'warn',
  EXPIRED: 'bad',
  // Tickets are fetched on the first signature that needs one: none yet is normal.
  MISSING: 'plain',
};

/** The app's JS-SDK tickets on the status page: state and expiry per type, never the ticket. */
export function ticketSection(tickets: Pick<JsSdkTickets, 'statuses'>): StatusSectionSource {
  return {
    title: 'JS-SDK tickets',
    async describe(appId) {
      return (await tickets.statuses(appId)).map(
        (ticket): StatusRow => ({
          label: ticket.type,
          value: ticket.expiresAt
            ? `${ticket.state}, expires ${ticket.expiresAt.toISOString()}`
            : ticket.state === 'MISSING'
              ? 'none yet (fetched on the first signature)'
              : ticket.state,
          tone: TONE[ticket.state],
        }),
      );
    },
  };
}
