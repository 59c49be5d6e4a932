import type { SocketStatus } from '../realtime/socket';
import { useAuth, useServices, useWorkspace } from '../ServicesContext';

const CONNECTION_LABELS: Record<SocketStatus, string> = {
  open: 'Live results',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting; runs use direct requests',
  closed: 'Offline; runs use direct requests',
};

export function Header() {
  const { signOut } = useServices();
  const userName = useAuth((state) => state.userName);
  const socketStatus = useWorkspace((state) => state.socketStatus);

  return (
    <header className="app-header">
      <span className="app-name">Code Remote</span>
      <span
        className={`connection connection-${socketStatus}`}
        role="status"
        aria-live="polite"
        title={CONNECTION_LABELS[socketStatus]}
      >
        <span className="connection-dot" aria-hidden="true" />
        <span className="connection-label">{CONNECTION_LABELS[socketStatus]}</span>
      </span>
      <span className="user" title={userName ?? undefined} data-testid="user-name">
        {userName}
      </span>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </header>
  );
}
