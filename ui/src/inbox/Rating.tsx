//! The customer's rating of a closed ticket (1 to 5, asked at closing when the company's
//! `rating_on_close` is on): a strip under the conversation's header with the stars, the
//! score and the customer's comment, and a small badge for ticket lists.
import { useT } from '../i18n';
import { Stars } from '../shell/Stars';
import type { Ticket } from './data';
import { inboxText } from './messages';

/** The rating under the conversation's header; nothing for a ticket without one. */
export function RatingStrip({ ticket }: { ticket: Ticket }) {
  const t = useT(inboxText);
  const n = ticket.rating;
  if (n == null) return null;
  const comment = ticket.rating_comment?.trim();
  return (
    <div className="conv-rating" data-testid="ticket-rating" data-rating={n}>
      <span className="conv-rating-label">{t('ratingTitle')}</span>
      <Stars value={n} label={t('ratingStars', { n })} size={16} />
      <strong className="conv-rating-score">{t('ratingScore', { n })}</strong>
      {comment ? (
        <q className="conv-rating-comment" data-testid="ticket-rating-comment">
          {comment}
        </q>
      ) : (
        <span className="muted">{t('ratingNoComment')}</span>
      )}
    </div>
  );
}

/** A star and the score, for a rated ticket in a list; nothing for a ticket without one. */
export function RatingBadge({ ticket }: { ticket: Ticket }) {
  const t = useT(inboxText);
  const n = ticket.rating;
  if (n == null) return null;
  const title = ticket.rating_comment ? `${t('ratingBadge', { n })} · ${ticket.rating_comment}` : t('ratingBadge', { n });
  return (
    <span className="badge badge-warning rating-badge" title={title} aria-label={t('ratingBadge', { n })} data-testid="rating-badge" data-rating={n}>
      <svg width="11" height="11" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 2.6l2.85 5.95 6.55.85-4.8 4.55 1.2 6.5L12 17.3l-5.8 3.15 1.2-6.5-4.8-4.55 6.55-.85z" />
      </svg>
      {n}
    </span>
  );
}
