import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadRuntimeConfig } from './config/runtimeConfig';
import { createServices } from './services';
import { ServicesContext } from './ServicesContext';
import './styles.css';

async function start(): Promise<void> {
  const element = document.getElementById('root');
  if (!element) throw new Error('#root is missing from index.html');
  const root = createRoot(element);
  let services;
  try {
    services = createServices(await loadRuntimeConfig());
  } catch (error) {
    root.render(
      <main className="sign-in">
        <div className="sign-in-card" role="alert">
          <h1>Code Remote</h1>
          <p>The app could not start: {error instanceof Error ? error.message : String(error)}</p>
          <button type="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>,
    );
    return;
  }
  void services.auth.getState().restore();
  root.render(
    <StrictMode>
      <ServicesContext.Provider value={services}>
        <QueryClientProvider client={services.queryClient}>
          <App />
        </QueryClientProvider>
      </ServicesContext.Provider>
    </StrictMode>,
  );
}

void start();
