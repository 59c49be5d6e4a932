interface ComplexityBadgesProps {
  time?: string | null;
  space?: string | null;
}

/** Time and space complexity as two badges; renders nothing when neither is known. */
export function ComplexityBadges({ time, space }: ComplexityBadgesProps) {
  if (!time && !space) return null;
  return (
    <span className="badges">
      {time ? (
        <span className="badge badge-time" title="Time complexity">
          <span className="badge-label">Time</span> {time}
        </span>
      ) : null}
      {space ? (
        <span className="badge badge-space" title="Space complexity">
          <span className="badge-label">Space</span> {space}
        </span>
      ) : null}
    </span>
  );
}
