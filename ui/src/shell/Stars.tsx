/** A rating shown as five stars. */

const STAR = 'M12 2.6l2.85 5.95 6.55.85-4.8 4.55 1.2 6.5L12 17.3l-5.8 3.15 1.2-6.5-4.8-4.55 6.55-.85z';

/**
 * Five stars, filled up to `value` (0 to 5, fractions too: an average of 4.5 fills four and
 * a half); one image to assistive technology, named by `label` (e.g. "Rated 4 out of 5").
 */
export function Stars({ value, label, size = 14 }: { value: number; label: string; size?: number }) {
  const share = (Math.max(0, Math.min(5, value)) / 5) * 100;
  const row = (cls: string) => (
    <span className={cls}>
      {[0, 1, 2, 3, 4].map((i) => (
        <svg key={i} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
          <path d={STAR} />
        </svg>
      ))}
    </span>
  );
  return (
    <span className="stars" role="img" aria-label={label} title={label} data-value={value}>
      {row('stars-row stars-empty')}
      <span className="stars-fill" style={{ width: `${share}%` }}>
        {row('stars-row')}
      </span>
    </span>
  );
}
