// The learning path: the courses that close the learner's gaps in order, within a
// budget of hours the learner sets.
import { useState } from 'preact/hooks';
import { useQuery } from '../api';
import { graphql } from '../gql';
import { date, num, t } from '../i18n';
import { competencyName, courseTitle } from '../names';
import { caller } from '../session';
import { Loader, Page } from '../ui';

const PathQuery = graphql(`
  query ConsoleLearningPath($learnerId: ID!, $budget: Float) {
    learningPath(learnerId: $learnerId, budgetHours: $budget) {
      role { id name }
      totalHours
      gapBefore
      gapAfter
      steps {
        order
        cumulativeHours
        dueDate
        course { ...CourseTitle provider }
        gapsAddressed { competency { ...CompetencyName } fromLevel toLevel gapClosed }
      }
      unmet { competency { ...CompetencyName } requiredLevel currentLevel gap }
    }
  }
`);

export function LearningPath() {
  const learnerId = caller()?.learnerId ?? '';
  const [budget, setBudget] = useState(40);
  const [unlimited, setUnlimited] = useState(false);
  const q = useQuery(PathQuery, { learnerId, budget: unlimited ? null : budget });
  return (
    <Page title={t('path')} intro={t('pathIntro')}>
      <div class="card controls">
        <label for="budget">{t('budget', { n: budget })}</label>
        <input id="budget" type="range" min={2} max={200} step={2} value={budget} disabled={unlimited}
          onChange={(e) => setBudget(Number((e.target as HTMLInputElement).value))} aria-valuetext={t('hours', { n: budget })} />
        <label class="radio"><input type="checkbox" checked={unlimited} onChange={(e) => setUnlimited((e.target as HTMLInputElement).checked)} /> {t('noBudget')}</label>
      </div>
      <Loader q={q}>
        {(d) => {
          const p = d.learningPath;
          if (!p) return <p>{t('noPath')}</p>;
          return (
            <>
              <p class="summary" role="status">{t('pathSummary', { hours: num(p.totalHours), before: num(p.gapBefore, 2), after: num(p.gapAfter, 2) })}</p>
              {p.steps.length === 0 ? <p>{t('noSteps')}</p> : (
                <ol class="steps">
                  {p.steps.map((s) => (
                    <li class="card" key={s.order}>
                      <h2>{s.order}. {courseTitle(s.course)}</h2>
                      <p class="muted small">{s.course.provider} · {t('hours', { n: num(s.course.durationHours) })} · {t('cumulative', { n: num(s.cumulativeHours) })}{s.dueDate && ` · ${t('due', { when: date(s.dueDate) })}`}</p>
                      <ul class="chips">
                        {s.gapsAddressed.map((g) => <li key={g.competency.id}>{competencyName(g.competency)}: {g.fromLevel} → {g.toLevel}</li>)}
                      </ul>
                    </li>
                  ))}
                </ol>
              )}
              {p.unmet.length > 0 && (
                <>
                  <h2>{t('unmet')}</h2>
                  <ul class="plain">
                    {p.unmet.map((u) => <li key={u.competency.id}>{competencyName(u.competency)}: {t('levelFromTo', { from: u.currentLevel, to: u.requiredLevel })}</li>)}
                  </ul>
                </>
              )}
            </>
          );
        }}
      </Loader>
    </Page>
  );
}
