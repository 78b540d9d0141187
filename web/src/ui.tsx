// Shared pieces of the pages: headings, loading and error states, the small bar
// chart of a distribution, links that use the router. Text from data is always a
// JSX child or attribute (escaped by Preact), never markup.
import type { ComponentChildren } from 'preact';
import { ApiError, type Loaded } from './api';
import { num, t } from './i18n';
import { base, navigate } from './router';
import type { Key } from './strings';

export function Page(props: { title: string; intro?: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>{props.title}</h1>
      {props.intro && <p class="intro">{props.intro}</p>}
      {props.children}
    </section>
  );
}

export function Link(props: { to: string; children: ComponentChildren; current?: boolean; class?: string }) {
  return (
    <a href={base + props.to} class={props.class} aria-current={props.current ? 'page' : undefined}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.to);
      }}>
      {props.children}
    </a>
  );
}

const codeKeys: Record<string, Key> = {
  UNAUTHENTICATED: 'errUnauthenticated',
  FORBIDDEN: 'errNotFound', // the API answers NOT_FOUND to those who may not look; so does the console
  NOT_FOUND: 'errNotFound',
  BAD_USER_INPUT: 'errBadInput',
  CONFLICT: 'errConflict',
  RATE_LIMITED: 'errRateLimited',
  NETWORK: 'errNetwork',
  SERVICE_UNAVAILABLE: 'errUnavailable',
};

/** What went wrong, in the user's language: a headline by error code, then the server's message. */
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return t('errUnknown');
  const key = e.codes.map((c) => codeKeys[c]).find((k) => k) ?? 'errUnknown';
  const head = t(key);
  return e.message && key !== 'errNotFound' && key !== 'errNetwork' ? `${head} ${e.message}` : head;
}

export function ErrorBox(props: { error: unknown }) {
  return <p class="error" role="alert">{errorText(props.error)}</p>;
}

/** Loading, error or the content of a query. */
export function Loader<D>(props: { q: Loaded<D>; children: (d: D) => ComponentChildren }) {
  if (props.q.error) return <ErrorBox error={props.q.error} />;
  if (!props.q.data) return <p class="muted loading" role="status">{t('loading')}</p>;
  return <>{props.children(props.q.data)}</>;
}

/**
 * A distribution over levels as a small bar chart: one bar per level, its height
 * the probability; the bars inside [low, high] (the interval) are darker. Screen
 * readers get the same numbers as text.
 */
export function Bars(props: { distribution: readonly number[]; low?: number; high?: number; level?: number; label: string }) {
  const d = props.distribution;
  const max = Math.max(0.0001, ...d);
  const described = d.map((p, i) => t('levelShare', { level: i, share: num(p * 100, 0) })).join(', ');
  return (
    <figure class="bars" role="img" aria-label={`${props.label}: ${described}`} data-bars={d.length}>
      <div class="bars-plot" aria-hidden="true">
        {d.map((p, i) => {
          const inside = props.low !== undefined && props.high !== undefined && i >= props.low && i <= props.high;
          return (
            <div class="bar-col" key={i}>
              <div class={`bar${inside ? ' in' : ''}${i === props.level ? ' at' : ''}`} style={{ height: `${Math.max(2, (p / max) * 100)}%` }} title={`${i}: ${num(p * 100, 0)}%`} />
              <span class="bar-x">{i}</span>
            </div>
          );
        })}
      </div>
    </figure>
  );
}

/** A percentage bar for progress, labelled for screen readers. */
export function Progress(props: { value: number; label: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, props.value)) * 100);
  return (
    <div class="progress" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div class="track"><div class="fill" style={{ width: `${pct}%` }} /></div>
      <span>{pct}%</span>
    </div>
  );
}

/** Black or white text, whichever contrasts more with a background of rgb (WCAG luminance). */
export function textOn(r: number, g: number, b: number): string {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000' : '#fff';
}
