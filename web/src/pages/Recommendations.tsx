// Recommendations with their explanations, kept live by the recommendationsChanged
// subscription; a course can be dismissed with a reason.
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { mutate, subscribe, useQuery } from '../api';
import { graphql } from '../gql';
import type { ConsoleRecommendationsQuery } from '../gql/graphql';
import { dateTime, lang, num, t } from '../i18n';
import { competencyName, courseTitle } from '../names';
import { caller } from '../session';
import { ErrorBox, Loader, Page } from '../ui';

graphql(`
  fragment ConsoleRecommendationList on RecommendationList {
    generatedAt
    items {
      rank
      score
      explanation
      course { ...CourseTitle provider format rating }
      gapsAddressed { competency { ...CompetencyName } fromLevel toLevel gapClosed }
    }
  }
`);

const RecommendationsQuery = graphql(`
  query ConsoleRecommendations($learnerId: ID!) {
    recommendations(learnerId: $learnerId, first: 10) { ...ConsoleRecommendationList }
  }
`);

const RecommendationsChanged = graphql(`
  subscription ConsoleRecommendationsChanged($learnerId: ID!) {
    recommendationsChanged(learnerId: $learnerId, first: 10) { ...ConsoleRecommendationList }
  }
`);

const Dismiss = graphql(`
  mutation ConsoleDismiss($learnerId: ID!, $courseId: ID!, $reason: String) {
    dismissRecommendation(input: { learnerId: $learnerId, courseId: $courseId, reason: $reason }) {
      recommendations { ...ConsoleRecommendationList }
    }
  }
`);

const Enrol = graphql(`
  mutation ConsoleEnrol($learnerId: ID!, $courseId: ID!) {
    enrol(input: { learnerId: $learnerId, courseId: $courseId }) { enrolment { id } }
  }
`);

type List = NonNullable<ConsoleRecommendationsQuery['recommendations']>;

const reasons = ['reasonDone', 'reasonNotRelevant', 'reasonNoTime', 'reasonOther'] as const;

export function Recommendations() {
  const learnerId = caller()?.learnerId ?? '';
  const q = useQuery(RecommendationsQuery, { learnerId });
  const [live, setLive] = useState(false);
  const [dismissing, setDismissing] = useState<string | null>(null);
  const [reason, setReason] = useState<(typeof reasons)[number]>('reasonNotRelevant');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    if (!learnerId) return;
    return subscribe(RecommendationsChanged, { learnerId }, (d) => {
      setLive(true);
      q.set({ recommendations: d.recommendationsChanged });
    }, () => setLive(false));
  }, [learnerId, lang()]); // a new language is a new connection

  // Opening the dismissal form puts focus on its chosen reason, for keyboard users.
  useLayoutEffect(() => {
    if (dismissing) document.querySelector<HTMLInputElement>('form.dismiss input:checked')?.focus();
  }, [dismissing]);

  async function enrol(courseId: string, title: string) {
    setError(null);
    try {
      await mutate(Enrol, { learnerId, courseId });
      setNotice(t('enrolled', { title }));
      q.reload(); // the subscription brings it too; this does not wait for it
    } catch (err) {
      setError(err);
    }
  }

  async function dismiss(courseId: string, title: string) {
    setError(null);
    try {
      const r = await mutate(Dismiss, { learnerId, courseId, reason: t(reason) });
      q.set({ recommendations: r.dismissRecommendation.recommendations });
      setDismissing(null);
      setNotice(t('dismissed', { title }));
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Page title={t('recommendations')} intro={t('recommendationsIntro')}>
      <p class="small muted" role="status">{live ? t('liveOn') : t('liveOff')}</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error !== null && <ErrorBox error={error} />}
      <Loader q={q}>
        {(d) => {
          const list: List | null | undefined = d.recommendations;
          if (!list || list.items.length === 0) return <p>{t('noRecommendations')}</p>;
          return (
            <>
            <p class="small muted">{t('generatedAt', { when: dateTime(list.generatedAt) })}</p>
            <ol class="cards recs" data-generated={list.generatedAt}>
              {list.items.map((r) => {
                const title = courseTitle(r.course);
                return (
                  <li class="card rec" key={r.course.id} data-course={r.course.id}>
                    <h2><span class="rank">{r.rank}.</span> {title}</h2>
                    <p class="muted small">{r.course.provider} · {t('fmt_' + r.course.format as 'fmt_ONLINE')} · {t('hours', { n: num(r.course.durationHours) })}{r.course.rating != null && ` · ★ ${num(r.course.rating)}`}</p>
                    <p class="explanation">{r.explanation}</p>
                    {r.gapsAddressed.length > 0 && (
                      <ul class="chips" aria-label={t('gapsAddressed')}>
                        {r.gapsAddressed.map((g) => (
                          <li key={g.competency.id}>{competencyName(g.competency)}: {g.fromLevel} → {g.toLevel}</li>
                        ))}
                      </ul>
                    )}
                    {dismissing === r.course.id ? (
                      <form class="dismiss" onSubmit={(e) => { e.preventDefault(); void dismiss(r.course.id, title); }}>
                        <fieldset>
                          <legend>{t('dismissWhy', { title })}</legend>
                          {reasons.map((k) => (
                            <label key={k} class="radio">
                              <input type="radio" name={`reason-${r.course.id}`} value={k} checked={reason === k} onChange={() => setReason(k)} /> {t(k)}
                            </label>
                          ))}
                        </fieldset>
                        <div class="row">
                          <button type="submit">{t('dismissConfirm')}</button>
                          <button type="button" class="secondary" onClick={() => setDismissing(null)}>{t('cancel')}</button>
                        </div>
                      </form>
                    ) : (
                      <div class="row">
                        <button type="button" onClick={() => void enrol(r.course.id, title)} aria-label={t('enrolIn', { title })}>{t('enrol')}</button>
                        <button type="button" class="secondary" onClick={() => { setDismissing(r.course.id); setNotice(''); }}
                          aria-label={t('dismissCourse', { title })}>{t('dismiss')}</button>
                      </div>
                    )}
                  </li>
                );
              })}
            </ol>
            </>
          );
        }}
      </Loader>
    </Page>
  );
}
