//! The agents' inbox: the ticket list beside the open conversation (and its contact panel).
//! On a narrow screen the list and the conversation take turns.
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { useT } from '../i18n';
import { Icons } from '../shell/icons';
import { EmptyState } from '../shell/ui';
import { Conversation } from './Conversation';
import { InboxDataProvider } from './data';
import { inboxText } from './messages';
import { TicketList } from './TicketList';

const PANEL_KEY = 'tucan.inbox.panel';

export function InboxPage() {
  return (
    <InboxDataProvider>
      <Inbox />
    </InboxDataProvider>
  );
}

function Inbox() {
  const t = useT(inboxText);
  const { ticketId } = useParams();
  const [panel, setPanel] = useState(() => {
    // On narrower screens the panel covers the conversation: it opens only when asked.
    if (window.innerWidth <= 1200) return false;
    return localStorage.getItem(PANEL_KEY) !== '0';
  });
  const togglePanel = () =>
    setPanel((p) => {
      if (window.innerWidth > 1200) localStorage.setItem(PANEL_KEY, p ? '0' : '1');
      return !p;
    });
  const cls = ['inbox', ticketId && 'has-ticket', ticketId && panel && 'with-panel'].filter(Boolean).join(' ');
  return (
    <div className={cls}>
      <TicketList selectedId={ticketId} />
      {ticketId ? (
        <Conversation key={ticketId} ticketId={ticketId} panelOpen={panel} onTogglePanel={togglePanel} />
      ) : (
        <div className="conversation-empty">
          <EmptyState icon={<Icons.inbox />} title={t('pickTicket')}>
            {t('pickTicketHint')}
          </EmptyState>
        </div>
      )}
    </div>
  );
}
