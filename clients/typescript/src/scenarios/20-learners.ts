// Paging through every learner with cursors, as an admin's table would.
import { graphql } from '../gql/index.js';
import type { LearnersPageQuery } from '../gql/graphql.js';
import { check, type Scenario } from '../scenario.js';

const LearnersPage = graphql(`
  query LearnersPage($first: Int!, $after: String) {
    learners(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id name designation organisation { code } roles { code } } }
    }
  }
`);

export const scenario: Scenario = {
  name: 'page through learners',
  async run({ admin, log }) {
    const seen = new Set<string>();
    let after: string | null = null;
    let total = 0;
    let pages = 0;
    for (;;) {
      const page: LearnersPageQuery = await admin.query(LearnersPage, { first: 250, after });
      const { learners } = page;
      total = learners.totalCount;
      pages++;
      for (const edge of learners.edges) {
        check(!seen.has(edge.node.id), `learner ${edge.node.id} appears twice`);
        seen.add(edge.node.id);
      }
      if (!learners.pageInfo.hasNextPage) break;
      check(learners.pageInfo.endCursor, 'a page with more after it has an end cursor');
      after = learners.pageInfo.endCursor;
      check(pages < 10_000, 'paging ends');
    }
    check(seen.size === total, `paged ${seen.size} learners, totalCount says ${total}`);
    check(total > 0, 'the demo data has learners');
    log(`${total} learners in ${pages} pages`);
  },
};
