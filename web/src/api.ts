// The API client: urql over fetch for queries and mutations, graphql-ws for the
// subscription, with the caller's bearer token and language on every request.
import { Client, fetchExchange, subscriptionExchange, type AnyVariables, type CombinedError, type TypedDocumentNode } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { useEffect, useState } from 'preact/hooks';
import { caller, forget, onSessionChange } from './session';
import { lang, onLangChange } from './i18n';

/** A GraphQL or network error, with the codes (extensions.code) the server gave. */
export class ApiError extends Error {
  constructor(message: string, readonly codes: string[]) {
    super(message);
  }
}

const returnKey = 'karmayogi.return';

/** Where the user was when their token stopped working, to go back after signing in. */
export function takeReturnPath(): string | null {
  try {
    const p = sessionStorage.getItem(returnKey);
    sessionStorage.removeItem(returnKey);
    return p && p.startsWith('/app/') ? p : null;
  } catch {
    return null;
  }
}

function expired() {
  try {
    sessionStorage.setItem(returnKey, location.pathname);
  } catch {
    // the path is lost, not the sign-in
  }
  forget();
}

let ws: WsClient | null = null;
function wsClient(): WsClient {
  if (!ws) {
    ws = createWsClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      // The connection's language is chosen once, in connection_init: the live list
      // must speak the language the page does, whatever the browser's own header says.
      connectionParams: () => ({ Authorization: `Bearer ${caller()?.token ?? ''}`, 'Accept-Language': lang() }),
      lazy: true,
      retryAttempts: 3,
    });
  }
  return ws;
}
// A new caller or a new language needs a new connection (subscribers resubscribe).
function reconnect() {
  ws?.dispose();
  ws = null;
}
onSessionChange(reconnect);
onLangChange(reconnect);

export const client = new Client({
  url: '/graphql',
  requestPolicy: 'network-only',
  preferGetMethod: false,
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query ?? '' };
        return { subscribe: (sink) => ({ unsubscribe: wsClient().subscribe(input, sink) }) };
      },
    }),
  ],
  fetchOptions: () => ({ headers: { accept: 'application/graphql-response+json, application/json;q=0.9', ...callerHeaders() } }),
});

/** The caller's token and language, on every request to the API. */
function callerHeaders(): Record<string, string> {
  const c = caller();
  return { 'accept-language': lang(), ...(c ? { authorization: `Bearer ${c.token}` } : {}) };
}

function toApiError(e: CombinedError): ApiError {
  const codes = e.graphQLErrors.map((g) => String(g.extensions?.['code'] ?? 'UNKNOWN'));
  const message = e.graphQLErrors[0]?.message ?? '';
  if (e.networkError) codes.push('NETWORK');
  if (codes.includes('UNAUTHENTICATED') && caller()) expired();
  return new ApiError(message, codes);
}

/** A result's data, or its error as an ApiError. */
function unwrap<D>(r: { data?: D; error?: CombinedError }): D {
  if (r.error) throw toApiError(r.error);
  if (!r.data) throw new ApiError('', ['NOT_FOUND']);
  return r.data;
}

export async function query<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, variables: V): Promise<D> {
  return unwrap(await client.query(doc, variables).toPromise());
}

export async function mutate<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, variables: V): Promise<D> {
  return unwrap(await client.mutation(doc, variables).toPromise());
}

/** Subscribes; onData gets every result, onError the first error. Returns the unsubscriber. */
export function subscribe<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, variables: V,
  onData: (d: D) => void, onError: (e: ApiError) => void): () => void {
  const { unsubscribe } = client.subscription(doc, variables).subscribe((r) => {
    if (r.error) onError(toApiError(r.error));
    else if (r.data) onData(r.data);
  });
  return unsubscribe;
}

export interface Loaded<D> {
  data: D | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  set: (d: D) => void;
}

/** Runs a query when key changes (and on reload); key defaults to the variables as JSON. */
export function useQuery<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, variables: V, skip = false): Loaded<D> {
  const key = JSON.stringify(variables);
  const [n, setN] = useState(0);
  const [state, setState] = useState<{ data: D | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: !skip });
  useEffect(() => {
    if (skip) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    query(doc, variables).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState({ data: null, error: error instanceof ApiError ? error : new ApiError(String(error), ['UNKNOWN']), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key, n, skip, lang()]);
  return { ...state, reload: () => setN((x) => x + 1), set: (data) => setState({ data, error: null, loading: false }) };
}

/** GET a file the API serves under /reports/ with the token, and offer it as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: callerHeaders() });
  if (!res.ok) {
    let message = res.statusText;
    let code = 'HTTP_' + res.status;
    try {
      const body = (await res.json()) as { errors?: { message?: string; extensions?: { code?: string } }[] };
      message = body.errors?.[0]?.message ?? message;
      code = body.errors?.[0]?.extensions?.code ?? code;
    } catch {
      // not JSON
    }
    throw new ApiError(message, [code]);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
