// Signing in: a learner's token names them (viewer); an operator's token names no
// learner; no token at all is UNAUTHENTICATED for anything private.
import { graphql } from '../gql/index.js';
import { check, type Scenario } from '../scenario.js';

const Viewer = graphql(`
  query Viewer {
    viewer { id name designation organisation { name } roles { code name } }
  }
`);

export const scenario: Scenario = {
  name: 'sign in with a token',
  async run({ anonymous, admin, learner, found, log }) {
    const me = await learner.query(Viewer, {});
    check(me.viewer, 'the learner token names a learner');
    found.set('learnerId', me.viewer.id);
    log(`signed in as ${me.viewer.name}, ${me.viewer.designation}, ${me.viewer.organisation.name}`);

    const operator = await admin.query(Viewer, {});
    check(operator.viewer === null, 'an operator token names no learner');

    const codes = await anonymous.errorCodes(Viewer, {});
    check(codes.includes('UNAUTHENTICATED'), `viewer without a token is UNAUTHENTICATED, got ${codes.join(', ')}`);
  },
};
