// A small router over the history API: the console lives under /app/, and the
// server answers every /app/* path with index.html.
import { useEffect, useState } from 'preact/hooks';

export const base = '/app/';

export function currentPath(): string {
  const p = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : '';
  return p.replace(/\/+$/, '');
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((f) => f()));

export function navigate(path: string): void {
  const target = path.startsWith(base) ? path : base + path.replace(/^\/+/, '');
  if (target !== location.pathname) history.pushState(null, '', target);
  listeners.forEach((f) => f());
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const f = () => setPath(currentPath());
    listeners.add(f);
    return () => {
      listeners.delete(f);
    };
  }, []);
  return path;
}
