import { EditorPane } from './components/EditorPane';
import { Header } from './components/Header';
import { SidePanel } from './components/SidePanel';
import { SignInScreen } from './components/SignInScreen';
import { Loading } from './components/Status';
import { useAuth } from './ServicesContext';
import { SaveDialog } from './snippets/SaveDialog';

function Workspace() {
  return (
    <div className="app">
      <Header />
      <main className="workspace">
        <EditorPane />
        <SidePanel />
      </main>
      <SaveDialog />
    </div>
  );
}

export function App() {
  const status = useAuth((state) => state.status);
  if (status === 'restoring') {
    return (
      <main className="sign-in">
        <Loading label="Restoring your session…" />
      </main>
    );
  }
  return status === 'signedIn' ? <Workspace /> : <SignInScreen />;
}
