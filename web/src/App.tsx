// The console's frame: a skip link, the header with the pages the caller's role may
// use, the language switch and sign-out, then the page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { client } from './api';
import { graphql } from './gql';
import { lang, onLangChange, setLang, t } from './i18n';
import { navigate, usePath } from './router';
import { caller, forget, onSessionChange } from './session';
import type { Key } from './strings';
import { Link } from './ui';
import { pages } from './pages';
import { SignIn } from './pages/SignIn';
import { Verify } from './pages/Learning';

const SignOut = graphql(`
  mutation ConsoleSignOut { signOut { notBefore } }
`);

async function signOut() {
  // Revoke every token of the caller on the server, then forget it here even if that failed.
  await client.mutation(SignOut, {}).toPromise().catch(() => undefined);
  forget();
  navigate('');
}

export function App() {
  const [, setTick] = useState(0);
  useEffect(() => onLangChange(() => setTick((n) => n + 1)), []);
  useEffect(() => onSessionChange(() => setTick((n) => n + 1)), []);
  const path = usePath();
  const c = caller();
  const mine = c ? pages.filter((p) => p.roles.includes(c.role)) : [];
  const page = mine.find((p) => p.path === path);
  // A page the caller may not use, or none at all, is "not found", as the API says.
  const unknown = c && path !== '' && path !== 'verify' && !page;

  useEffect(() => {
    if (c && path === '' && mine[0]) navigate(mine[0].path);
  }, [c?.token, path]);
  useEffect(() => {
    document.title = `${page ? t(page.title) + ' · ' : ''}${t('appName')}`;
  }, [path, c?.token, lang()]);
  // After a navigation, focus goes to the new page's heading (as a page load would
  // put it at the top); on the first load it stays where the browser put it.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else document.getElementById('page-title')?.focus({ preventScroll: true });
  }, [path, c?.token]);

  const Current = page?.component;
  return (
    <>
      <a class="skip" href="#main">{t('skip')}</a>
      <header class="top">
        <div class="brand"><span aria-hidden="true" class="logo">क</span> {t('appName')}</div>
        <div class="tools">
          <button type="button" class="secondary lang" lang={lang() === 'en' ? 'hi' : 'en'} onClick={() => setLang(lang() === 'en' ? 'hi' : 'en')}>
            {lang() === 'en' ? 'हिन्दी' : 'English'}
          </button>
          {c && <span class="role small">{t(('role_' + c.role) as Key)}</span>}
          {c && <button type="button" class="secondary" onClick={() => void signOut()}>{t('signOut')}</button>}
        </div>
        {c && mine.length > 0 && (
          <nav aria-label={t('pages')} class="nav">
            <ul>
              {mine.map((p) => <li key={p.path}><Link to={p.path} current={p.path === path}>{t(p.title)}</Link></li>)}
            </ul>
          </nav>
        )}
      </header>
      <main id="main">
        {path === 'verify' ? <Verify /> : !c ? <SignIn /> : unknown ? (
          <section aria-labelledby="page-title"><h1 id="page-title" tabIndex={-1}>{t('notFound')}</h1><p>{t('errNotFound')}</p></section>
        ) : Current ? <Current key={path} /> : <p role="status">{t('loading')}</p>}
      </main>
      <footer class="foot small muted">{t('footer')}</footer>
    </>
  );
}
