// Sign-in: a one-time code mailed to an official address (OTP), or, for operators,
// a token issued with `karmayogi token`. Neither ever goes into the URL.
import { useState } from 'preact/hooks';
import { mutate, takeReturnPath } from '../api';
import { graphql } from '../gql';
import { dateTime, t } from '../i18n';
import { navigate } from '../router';
import { signIn } from '../session';
import { ErrorBox } from '../ui';

const RequestOtp = graphql(`
  mutation ConsoleRequestOtp($email: String!) {
    requestOtp(input: { email: $email }) { expiresAt }
  }
`);

const VerifyOtp = graphql(`
  mutation ConsoleVerifyOtp($email: String!, $code: String!) {
    verifyOtp(input: { email: $email, code: $code }) { token expiresAt learner { id name } }
  }
`);

function enter(token: string): boolean {
  if (!signIn(token)) return false;
  navigate(takeReturnPath() ?? '');
  return true;
}

export function SignIn() {
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [sentUntil, setSentUntil] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [token, setToken] = useState('');
  const [tokenError, setTokenError] = useState(false);

  async function request(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await mutate(RequestOtp, { email: email.trim() });
      setSentUntil(r.requestOtp.expiresAt);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function verify(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await mutate(VerifyOtp, { email: email.trim(), code: code.trim() });
      enter(r.verifyOtp.token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="signin" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>{t('signInTitle')}</h1>
      <p class="intro">{t('signInIntro')}</p>
      {!sentUntil ? (
        <form onSubmit={request} class="card">
          <label for="email">{t('email')}</label>
          <input id="email" type="email" autocomplete="email" required value={email}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)} placeholder="name@gov.in" />
          <button type="submit" disabled={busy}>{t('sendCode')}</button>
        </form>
      ) : (
        <form onSubmit={verify} class="card">
          <p role="status">{t('codeSent', { email, until: dateTime(sentUntil) })}</p>
          <label for="code">{t('code')}</label>
          <input id="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required value={code}
            onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
          <div class="row">
            <button type="submit" disabled={busy}>{t('signIn')}</button>
            <button type="button" class="secondary" onClick={() => { setSentUntil(null); setCode(''); }}>{t('otherEmail')}</button>
          </div>
        </form>
      )}
      {error !== null && <ErrorBox error={error} />}
      <details class="card">
        <summary>{t('operatorSignIn')}</summary>
        <form onSubmit={(e) => { e.preventDefault(); setTokenError(!enter(token)); }}>
          <p class="muted">{t('operatorHelp')}</p>
          <label for="token">{t('token')}</label>
          <textarea id="token" rows={3} required value={token} spellcheck={false}
            onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
          <button type="submit">{t('signIn')}</button>
          {tokenError && <p class="error" role="alert">{t('badToken')}</p>}
        </form>
      </details>
    </section>
  );
}
