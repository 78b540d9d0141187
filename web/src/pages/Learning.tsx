// A learner's enrolments with their progress and certificates (with the public
// verification link), batches and events, karma and leaderboards.
import { useState } from 'preact/hooks';
import { mutate, useQuery } from '../api';
import { graphql } from '../gql';
import { date, dateTime, num, t } from '../i18n';
import { courseTitle } from '../names';
import { base } from '../router';
import { caller } from '../session';
import type { Key } from '../strings';
import { ErrorBox, Loader, Page, Progress } from '../ui';

const EnrolmentsQuery = graphql(`
  query ConsoleEnrolments {
    viewer {
      id
      enrolments(first: 50) {
        edges { node { id status progress enrolledAt completedAt course { ...CourseTitle } certificate { id verificationCode issuedAt verification } } }
      }
      assignedCourses { course { ...CourseTitle } plan { id name } dueDate status }
    }
  }
`);

export function Learning() {
  const q = useQuery(EnrolmentsQuery, {});
  return (
    <Page title={t('learning')} intro={t('learningIntro')}>
      <Loader q={q}>
        {(d) => {
          const v = d.viewer;
          if (!v) return <p>{t('learnersOnly')}</p>;
          const es = v.enrolments.edges.map((e) => e.node);
          return (
            <>
              <h2>{t('enrolments')}</h2>
              {es.length === 0 ? <p>{t('noEnrolments')}</p> : (
                <ul class="cards">
                  {es.map((e) => (
                    <li class="card" key={e.id}>
                      <h3>{courseTitle(e.course)}</h3>
                      <p class="small muted">{t(('enr_' + e.status) as Key)} · {t('enrolledOn', { when: date(e.enrolledAt) })}</p>
                      <Progress value={e.progress} label={t('progressOf', { title: courseTitle(e.course) })} />
                      {e.certificate && (
                        <p class="small">
                          {t('certificate')}: <a href={`${base}verify?code=${encodeURIComponent(e.certificate.verificationCode)}`}>{t('verifyLink', { code: e.certificate.verificationCode })}</a>
                        </p>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              <h2>{t('assigned')}</h2>
              {v.assignedCourses.length === 0 ? <p>{t('noAssigned')}</p> : (
                <ul class="plain">
                  {v.assignedCourses.map((a) => <li key={a.plan.id + a.course.id}>{courseTitle(a.course)} · {a.plan.name} · {t('due', { when: date(a.dueDate) })}</li>)}
                </ul>
              )}
            </>
          );
        }}
      </Loader>
    </Page>
  );
}

const VerifyQuery = graphql(`
  query ConsoleVerifyCertificate($code: String!) {
    verifyCertificate(code: $code) { learnerName issuedAt verification course { ...CourseTitle provider } }
  }
`);

export function Verify() {
  const code = new URLSearchParams(location.search).get('code') ?? '';
  const q = useQuery(VerifyQuery, { code }, !code);
  return (
    <Page title={t('verifyTitle')}>
      {!code ? <p>{t('noCode')}</p> : q.error?.codes.includes('NOT_FOUND') ? <p class="error" role="alert">{t('certInvalid')}</p> : (
        <Loader q={q}>
          {(d) => d.verifyCertificate ? (
            <div class="card ok" role="status">
              <p><strong>{t('certValid')}</strong></p>
              <p>{t('certText', { name: d.verifyCertificate.learnerName, course: courseTitle(d.verifyCertificate.course), when: date(d.verifyCertificate.issuedAt) })}</p>
              <p class="small muted">{t(('ver_' + d.verifyCertificate.verification) as Key)}</p>
            </div>
          ) : <p class="error" role="alert">{t('certInvalid')}</p>}
        </Loader>
      )}
    </Page>
  );
}

const BatchesQuery = graphql(`
  query ConsoleBatches {
    batches(first: 20) {
      edges { node { id name startsAt endsAt venue seatsFree seats policy course { ...CourseTitle } mySeatRequest { id status waitlistPosition } } }
    }
    learningEvents(first: 20) {
      edges { node { id name description startsAt endsAt host { id name } sessions { id title startsAt kind } } }
    }
  }
`);

const RequestSeat = graphql(`
  mutation ConsoleRequestSeat($batchId: ID!, $learnerId: ID!) {
    requestSeat(input: { batchId: $batchId, learnerId: $learnerId }) { seatRequest { id status } }
  }
`);

export function Batches() {
  const q = useQuery(BatchesQuery, {});
  const [error, setError] = useState<unknown>(null);
  const learnerId = caller()?.learnerId;
  return (
    <Page title={t('batches')} intro={t('batchesIntro')}>
      {error !== null && <ErrorBox error={error} />}
      <Loader q={q}>
        {(d) => (
          <>
            <h2>{t('batchList')}</h2>
            {d.batches.edges.length === 0 ? <p>{t('none')}</p> : (
              <ul class="cards">
                {d.batches.edges.map(({ node: b }) => (
                  <li class="card" key={b.id}>
                    <h3>{b.name}</h3>
                    <p class="small muted">{courseTitle(b.course)} · {dateTime(b.startsAt)} – {dateTime(b.endsAt)}{b.venue && ` · ${b.venue}`}</p>
                    <p class="small">{t('seatsFree', { n: b.seatsFree, of: b.seats })} · {t(('pol_' + b.policy) as Key)}</p>
                    {b.mySeatRequest ? <p class="small"><strong>{t(('seat_' + b.mySeatRequest.status) as Key)}</strong></p> : learnerId && (
                      <button type="button" onClick={() => mutate(RequestSeat, { batchId: b.id, learnerId }).then(q.reload, setError)}
                        aria-label={t('requestSeatFor', { name: b.name })}>{t('requestSeat')}</button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            <h2>{t('events')}</h2>
            {d.learningEvents.edges.length === 0 ? <p>{t('none')}</p> : (
              <ul class="cards">
                {d.learningEvents.edges.map(({ node: e }) => (
                  <li class="card" key={e.id}>
                    <h3>{e.name}</h3>
                    <p class="small muted">{date(e.startsAt)} – {date(e.endsAt)}{e.host && ` · ${e.host.name}`}</p>
                    <p>{e.description}</p>
                    <ul class="plain small">{e.sessions.map((s) => <li key={s.id}>{dateTime(s.startsAt)} · {s.title}</li>)}</ul>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Loader>
    </Page>
  );
}

const KarmaQuery = graphql(`
  query ConsoleKarma {
    viewer {
      id
      karmaPoints
      organisation { id name }
      karmaLedger(first: 20) { edges { node { reason points note awardedAt course { ...CourseTitle } } } }
    }
    organisationLeaderboard(first: 10) { rank points averagePoints learners organisation { id name } }
  }
`);

const LearnerBoard = graphql(`
  query ConsoleLearnerBoard($organisationId: ID!) {
    learnerLeaderboard(organisationId: $organisationId, first: 10) { rank points learnerId name designation }
  }
`);

export function Karma() {
  const q = useQuery(KarmaQuery, {});
  const orgId = q.data?.viewer?.organisation.id ?? '';
  const board = useQuery(LearnerBoard, { organisationId: orgId }, !orgId);
  return (
    <Page title={t('karma')} intro={t('karmaIntro')}>
      <Loader q={q}>
        {(d) => (
          <>
            {d.viewer && <p class="big">{t('karmaPoints', { n: d.viewer.karmaPoints })}</p>}
            {d.viewer && (
              <>
                <h2>{t('ledger')}</h2>
                {d.viewer.karmaLedger.edges.length === 0 ? <p>{t('none')}</p> : (
                  <ul class="plain">
                    {d.viewer.karmaLedger.edges.map(({ node: k }, i) => (
                      <li key={i}>+{k.points} · {t(('karma_' + k.reason) as Key)}{k.course && ` · ${courseTitle(k.course)}`} · {date(k.awardedAt)}</li>
                    ))}
                  </ul>
                )}
                <h2>{t('leaderboardOf', { org: d.viewer.organisation.name })}</h2>
                <Loader q={board}>
                  {(b) => (
                    <table>
                      <thead><tr><th scope="col">#</th><th scope="col">{t('name')}</th><th scope="col">{t('points')}</th></tr></thead>
                      <tbody>{b.learnerLeaderboard.map((s) => <tr key={s.learnerId}><td>{s.rank}</td><td>{s.name} <span class="muted small">{s.designation}</span></td><td>{s.points}</td></tr>)}</tbody>
                    </table>
                  )}
                </Loader>
              </>
            )}
            <h2>{t('orgLeaderboard')}</h2>
            <table>
              <thead><tr><th scope="col">#</th><th scope="col">{t('organisation')}</th><th scope="col">{t('points')}</th><th scope="col">{t('perLearner')}</th></tr></thead>
              <tbody>{d.organisationLeaderboard.map((s) => <tr key={s.organisation.id}><td>{s.rank}</td><td>{s.organisation.name}</td><td>{s.points}</td><td>{num(s.averagePoints)}</td></tr>)}</tbody>
            </table>
          </>
        )}
      </Loader>
    </Page>
  );
}
