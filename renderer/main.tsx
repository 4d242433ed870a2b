import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { createBackend } from './backend/index.js';
import './styles.css';

// The page's entry: the host's Backend (Electron IPC or the local server), then the app.

function backendOrError() {
  try {
    return { backend: createBackend(), error: null };
  } catch (e) {
    return { backend: null, error: (e as Error).message };
  }
}

const { backend, error } = backendOrError();
createRoot(document.getElementById('root')!).render(<App backend={backend} startupError={error} />);
