// An adaptive assessment taken item by item (startAdaptiveAssessment, answerItem):
// the test picks each next item from the answers so far and stops when it is sure.
import { useState } from 'preact/hooks';
import { mutate, useQuery } from '../api';
import { graphql } from '../gql';
import type { ConsoleStartAssessmentMutation } from '../gql/graphql';
import { num, t } from '../i18n';
import { competencyName } from '../names';
import { caller } from '../session';
import { Bars, ErrorBox, Loader, Page } from '../ui';

graphql(`
  fragment ConsoleAttempt on AdaptiveAttempt {
    id
    status
    itemsAnswered
    competency { ...CompetencyName }
    nextItem { id stem options position }
    result { level distribution standardError itemsUsed }
  }
`);

const Competencies = graphql(`
  query ConsoleAssessable {
    viewer { id proficiencies { competency { ...CompetencyName } level } }
  }
`);

const Start = graphql(`
  mutation ConsoleStartAssessment($learnerId: ID!, $competencyId: ID!) {
    startAdaptiveAssessment(input: { learnerId: $learnerId, competencyId: $competencyId }) { attempt { ...ConsoleAttempt } }
  }
`);

const Answer = graphql(`
  mutation ConsoleAnswerItem($attemptId: ID!, $itemId: ID!, $choice: Int!) {
    answerItem(input: { attemptId: $attemptId, itemId: $itemId, choice: $choice }) { attempt { ...ConsoleAttempt } }
  }
`);

type Attempt = ConsoleStartAssessmentMutation['startAdaptiveAssessment']['attempt'];

export function Assessment() {
  const learnerId = caller()?.learnerId ?? '';
  const q = useQuery(Competencies, {});
  const [competencyId, setCompetencyId] = useState('');
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const [choice, setChoice] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function start(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      setAttempt((await mutate(Start, { learnerId, competencyId })).startAdaptiveAssessment.attempt);
      setChoice(null);
    } catch (err) {
      setError(err);
    }
  }
  async function answer(e: Event) {
    e.preventDefault();
    if (!attempt?.nextItem || choice === null) return;
    setError(null);
    try {
      setAttempt((await mutate(Answer, { attemptId: attempt.id, itemId: attempt.nextItem.id, choice: choice + 1 })).answerItem.attempt); // options count from 1
      setChoice(null);
      document.getElementById('item-stem')?.focus();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Page title={t('assessment')} intro={t('assessmentIntro')}>
      {error !== null && <ErrorBox error={error} />}
      {!attempt || attempt.status !== 'IN_PROGRESS' && !attempt.result ? (
        <Loader q={q}>
          {(d) => (
            <form class="card controls" onSubmit={start}>
              <label for="competency">{t('competency')}</label>
              <select id="competency" required value={competencyId} onChange={(e) => setCompetencyId((e.target as HTMLSelectElement).value)}>
                <option value="">{t('choose')}</option>
                {d.viewer?.proficiencies.map((p) => <option key={p.competency.id} value={p.competency.id}>{competencyName(p.competency)}</option>)}
              </select>
              <button type="submit">{t('startTest')}</button>
            </form>
          )}
        </Loader>
      ) : attempt.status === 'IN_PROGRESS' && attempt.nextItem ? (
        <form class="card item" onSubmit={answer}>
          <p class="small muted">{competencyName(attempt.competency)} · {t('itemNo', { n: attempt.nextItem.position })}</p>
          <fieldset>
            <legend id="item-stem" tabIndex={-1}>{attempt.nextItem.stem}</legend>
            {attempt.nextItem.options.map((o, i) => (
              <label class="radio option" key={i}>
                <input type="radio" name="choice" value={i} checked={choice === i} onChange={() => setChoice(i)} required /> {o}
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={choice === null}>{t('answer')}</button>
        </form>
      ) : attempt.result ? (
        <div class="card" role="status">
          <h2>{t('testDone', { name: competencyName(attempt.competency) })}</h2>
          <p>{t('testResult', { level: attempt.result.level, n: attempt.result.itemsUsed, se: num(attempt.result.standardError, 2) })}</p>
          <Bars distribution={attempt.result.distribution} level={attempt.result.level} label={t('distributionOf', { name: competencyName(attempt.competency) })} />
          <button type="button" class="secondary" onClick={() => setAttempt(null)}>{t('anotherTest')}</button>
        </div>
      ) : <p>{t('testStopped')}</p>}
    </Page>
  );
}
