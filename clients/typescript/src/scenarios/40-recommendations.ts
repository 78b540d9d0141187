// The learner's next steps: gaps, ranked courses with reasons (cached until their record
// changes), a learning path within a budget, and dismissing a course.
import { graphql } from '../gql/index.js';
import { check, type Scenario } from '../scenario.js';

const NextSteps = graphql(`
  query NextSteps($id: ID!) {
    competencyGaps(learnerId: $id) { competency { name } requiredLevel currentLevel gap weight }
    recommendations(learnerId: $id, first: 5) {
      generatedAt
      cached
      items {
        rank
        score
        explanation
        course { id title durationHours }
        gapsAddressed { competency { name } fromLevel toLevel gapClosed }
        signals { gapCoverage quality peer }
      }
    }
  }
`);

const Path = graphql(`
  query Path($id: ID!, $budget: Float) {
    learningPath(learnerId: $id, budgetHours: $budget) {
      totalHours
      gapBefore
      gapAfter
      steps { order cumulativeHours course { id title durationHours } }
      unmet { competency { name } requiredLevel }
    }
  }
`);

const Dismiss = graphql(`
  mutation Dismiss($input: DismissRecommendationInput!) {
    dismissRecommendation(input: $input) { recommendations { cached items { course { id } } } }
  }
`);

export const scenario: Scenario = {
  name: 'recommendations and learning path',
  async run({ learner, found, log }) {
    const id = found.get('learnerId');
    check(id, 'sign-in found the learner');

    const first = await learner.query(NextSteps, { id });
    const recs = first.recommendations;
    check(recs, 'the learner may see their recommendations');
    check(first.competencyGaps, 'the learner may see their gaps');
    recs.items.forEach((item, i) => {
      check(item.rank === i + 1, `rank ${item.rank} at position ${i + 1}`);
      check(item.explanation.length > 0, 'each recommendation explains itself');
      check(item.score >= 0, 'a score is the marginal value a course adds');
    });
    // A list is built on marginal value: each item is the best of what is left after the
    // items above it, near-equals (within 5%) ordered by quality, so the first is the best
    // within that band and no later item's marginal value exceeds it by more.
    recs.items.forEach((item) => check(item.score <= recs.items[0]!.score / 0.95 + 1e-9, 'best first'));
    const top = recs.items[0];
    log(`${first.competencyGaps.length} requirements; top course: ${top ? `${top.course.title}: ${top.explanation}` : 'none'}`);

    const again = await learner.query(NextSteps, { id });
    check(again.recommendations?.cached, 'the same question again comes from the cache');

    const path = await learner.query(Path, { id, budget: 40 });
    check(path.learningPath, 'the learner may see their learning path');
    const { steps, totalHours, gapBefore, gapAfter } = path.learningPath;
    check(totalHours <= 40 + 1e-9, `the path keeps to the budget (${totalHours} h)`);
    check(gapAfter <= gapBefore + 1e-9, 'the path does not widen the gap');
    steps.forEach((s, i) => check(s.order === i + 1 && s.cumulativeHours >= (steps[i - 1]?.cumulativeHours ?? 0), 'steps in order'));
    log(`learning path: ${steps.length} courses, ${totalHours.toFixed(1)} h, gap ${gapBefore.toFixed(2)} -> ${gapAfter.toFixed(2)}`);

    if (top) {
      const after = await learner.mutate(Dismiss, { input: { learnerId: id, courseId: top.course.id, reason: 'done elsewhere' } });
      const ids = after.dismissRecommendation.recommendations.items.map((i) => i.course.id);
      check(!ids.includes(top.course.id), 'a dismissed course is not recommended again');
    }
  },
};
