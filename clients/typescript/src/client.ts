// The API client: urql with a bearer token, asking for
// application/graphql-response+json as the GraphQL-over-HTTP spec recommends.
import { Client, fetchExchange, type AnyVariables, type TypedDocumentNode } from '@urql/core';

export interface Api {
  /** Runs a query; throws on any error, so a scenario only sees data. */
  query<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, variables: V): Promise<D>;
  /** Runs a mutation; throws on any error. */
  mutate<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, variables: V): Promise<D>;
  /** Runs an operation that is expected to fail and returns its errors' extensions.code. */
  errorCodes<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, variables: V): Promise<string[]>;
}

/** Thrown for a GraphQL or network error, with the codes the server gave. */
export class ApiError extends Error {
  constructor(message: string, readonly codes: string[]) {
    super(message);
  }
}

export function connect(url: string, token: string | undefined): Api {
  const client = new Client({
    url,
    exchanges: [fetchExchange],
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetchOptions: () => ({
      headers: {
        accept: 'application/graphql-response+json, application/json;q=0.9',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    }),
  });

  async function run<D, V extends AnyVariables>(kind: 'query' | 'mutation', doc: TypedDocumentNode<D, V>, variables: V) {
    return kind === 'query' ? client.query(doc, variables).toPromise() : client.mutation(doc, variables).toPromise();
  }
  function codesOf(error: { graphQLErrors: readonly { extensions?: Record<string, unknown> }[] }): string[] {
    return error.graphQLErrors.map((e) => String(e.extensions?.['code'] ?? 'UNKNOWN'));
  }
  async function must<D, V extends AnyVariables>(kind: 'query' | 'mutation', doc: TypedDocumentNode<D, V>, variables: V) {
    const result = await run(kind, doc, variables);
    if (result.error) throw new ApiError(result.error.message, codesOf(result.error));
    if (!result.data) throw new ApiError('no data', []);
    return result.data;
  }
  return {
    query: (doc, variables) => must('query', doc, variables),
    mutate: (doc, variables) => must('mutation', doc, variables),
    async errorCodes(doc, variables) {
      const result = await run(doc.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'mutation')
        ? 'mutation' : 'query', doc, variables);
      return result.error ? codesOf(result.error) : [];
    },
  };
}
