import type { SocketStatus } from '../realtime/socket';
import { useAuth, useWorkspace } from '../ServicesContext';

const CONNECTION_LABELS: Record<SocketStatus, string> = {
  open: 'Live results',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting; runs use direct requests',
  closed: 'Offline; runs use direct requests',
};

export function Header() {
  const userName = useAuth((state) => state.userName);
  const signOut = useAuth((state) => state.signOut);
  const socketStatus = useWorkspace((state) => state.socketStatus);

  return (
    <header className="app-header">
      <span className="app-name">Code Remote</span>
      <span className={`connection connection-${socketStatus}`} role="status" aria-live="polite">
        <span className="connection-dot" aria-hidden="true" />
        {CONNECTION_LABELS[socketStatus]}
      </span>
      <span className="user" title={userName ?? undefined}>
        {userName}
      </span>
      <button type="button" onClick={() => signOut()}>
        Sign out
      </button>
    </header>
  );
}
