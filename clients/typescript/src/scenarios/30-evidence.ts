// A learner rates themselves in a competency (SELF evidence) and sees the estimate move;
// a level out of range is BAD_USER_INPUT naming the field.
import { graphql } from '../gql/index.js';
import { check, type Scenario } from '../scenario.js';

const FirstCompetency = graphql(`
  query FirstCompetency {
    competencies(first: 1, filter: { type: BEHAVIOURAL }) { edges { node { id name } } }
  }
`);

const RecordSelfRating = graphql(`
  mutation RecordSelfRating($input: RecordEvidenceInput!) {
    recordEvidence(input: $input) {
      evidence { id source level observedAt competency { name } }
      proficiency { level confidence intervalLow intervalHigh distribution }
    }
  }
`);

const LatestEvidence = graphql(`
  query LatestEvidence($id: ID!) {
    learner(id: $id) { evidence(first: 1) { totalCount edges { node { id source level } } } }
  }
`);

export const scenario: Scenario = {
  name: 'record evidence',
  async run({ anonymous, learner, found, log }) {
    const learnerId = found.get('learnerId');
    check(learnerId, 'sign-in found the learner');
    const catalogue = await anonymous.query(FirstCompetency, {});
    const competency = catalogue.competencies.edges[0]?.node;
    check(competency, 'the catalogue has a behavioural competency');

    const recorded = await learner.mutate(RecordSelfRating, {
      input: { learnerId, competencyId: competency.id, source: 'SELF', level: 3 },
    });
    const { evidence, proficiency } = recorded.recordEvidence;
    check(evidence.source === 'SELF' && evidence.level === 3, 'the evidence is stored as sent');
    const sum = proficiency.distribution.reduce((a, b) => a + b, 0);
    check(Math.abs(sum - 1) < 1e-6, `the distribution sums to 1 (${sum})`);
    check(proficiency.intervalLow <= proficiency.level && proficiency.level <= proficiency.intervalHigh,
      'the level lies in its 80% interval');
    log(`${competency.name}: level ${proficiency.level} (confidence ${proficiency.confidence.toFixed(2)}, ` +
      `80% in ${proficiency.intervalLow}..${proficiency.intervalHigh})`);

    const latest = await learner.query(LatestEvidence, { id: learnerId });
    check(latest.learner?.evidence.edges[0]?.node.id === evidence.id, 'the new evidence is the newest');

    const codes = await learner.errorCodes(RecordSelfRating, {
      input: { learnerId, competencyId: competency.id, source: 'SELF', level: 9 },
    });
    check(codes.includes('BAD_USER_INPUT'), `level 9 is BAD_USER_INPUT, got ${codes.join(', ')}`);
  },
};
