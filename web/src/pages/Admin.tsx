// The pages of capacity-building units (plans, seat requests) and of content
// providers and platform admins (courses, items, course effectiveness, audit log).
import { useState } from 'preact/hooks';
import { mutate, useQuery } from '../api';
import { graphql } from '../gql';
import { date, dateTime, num, t } from '../i18n';
import { competencyName, courseTitle } from '../names';
import { caller } from '../session';
import type { Key } from '../strings';
import { ErrorBox, Loader, Page, Progress } from '../ui';

const PlansQuery = graphql(`
  query ConsolePlans($organisationId: ID) {
    plans(first: 50, organisationId: $organisationId) {
      edges { node { id name status dueDate organisation { id name } courses { ...CourseTitle } progress { assigned enrolled completed overdue } } }
    }
  }
`);

const PlanCourses = graphql(`
  query ConsolePlanCourses($search: String) {
    courses(first: 20, filter: { search: $search }) { edges { node { ...CourseTitle provider } } }
  }
`);

const CreatePlan = graphql(`
  mutation ConsoleCreatePlan($input: CreatePlanInput!) {
    createPlan(input: $input) { plan { id name status } }
  }
`);

const UpdatePlan = graphql(`
  mutation ConsoleUpdatePlan($id: ID!, $status: PlanStatus!) {
    updatePlan(input: { id: $id, status: $status }) { plan { id status } }
  }
`);

function inDays(n: number): string {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

const PlanOrganisations = graphql(`
  query ConsolePlanOrganisations {
    organisations(first: 100) { edges { node { id name } } }
  }
`);

export function Plans() {
  const c = caller();
  // An ORG_ADMIN plans for their organisation; a PLATFORM_ADMIN chooses a ministry.
  const [chosen, setChosen] = useState('');
  const ministries = useQuery(PlanOrganisations, {}, c?.role !== 'PLATFORM_ADMIN');
  const organisationId = c?.organisationId ?? (chosen || null);
  const q = useQuery(PlansQuery, { organisationId });
  const [search, setSearch] = useState('');
  const courses = useQuery(PlanCourses, { search: search || null });
  const [name, setName] = useState('');
  const [due, setDue] = useState(inDays(90));
  const [designations, setDesignations] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    if (!organisationId) return;
    try {
      const r = await mutate(CreatePlan, { input: {
        name: name.trim(), organisationId, courseIds: picked, dueDate: new Date(due + 'T23:59:59Z').toISOString(),
        audienceDesignations: designations.split(',').map((s) => s.trim()).filter(Boolean),
      } });
      setNotice(t('planCreated', { name: r.createPlan.plan.name }));
      setName('');
      setPicked([]);
      q.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Page title={t('plans')} intro={t('plansIntro')}>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error !== null && <ErrorBox error={error} />}
      {c?.role === 'PLATFORM_ADMIN' && (
        <div class="card controls">
          <label for="plan-org">{t('organisation')}</label>
          <select id="plan-org" value={chosen} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            <option value="">{t('allOrganisations')}</option>
            {ministries.data?.organisations.edges.map(({ node }) => <option key={node.id} value={node.id}>{node.name}</option>)}
          </select>
        </div>
      )}
      {organisationId && (
        <form class="card" onSubmit={create} aria-labelledby="new-plan">
          <h2 id="new-plan">{t('newPlan')}</h2>
          <label for="plan-name">{t('planName')}</label>
          <input id="plan-name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <label for="plan-due">{t('dueDate')}</label>
          <input id="plan-due" type="date" required value={due} onInput={(e) => setDue((e.target as HTMLInputElement).value)} />
          <label for="plan-designations">{t('audience')}</label>
          <input id="plan-designations" value={designations} onInput={(e) => setDesignations((e.target as HTMLInputElement).value)} aria-describedby="plan-designations-help" />
          <p id="plan-designations-help" class="small muted">{t('audienceHelp')}</p>
          <label for="plan-search">{t('searchCourses')}</label>
          <input id="plan-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          <fieldset class="picklist">
            <legend>{t('pickCourses', { n: picked.length })}</legend>
            {courses.data?.courses.edges.map(({ node: co }) => (
              <label class="radio" key={co.id}>
                <input type="checkbox" value={co.id} checked={picked.includes(co.id)}
                  onChange={(e) => setPicked((e.target as HTMLInputElement).checked ? [...picked, co.id] : picked.filter((x) => x !== co.id))} />{' '}
                {courseTitle(co)} <span class="muted small">({t('hours', { n: num(co.durationHours) })})</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={picked.length === 0}>{t('createPlan')}</button>
        </form>
      )}
      <h2>{t('planList')}</h2>
      <Loader q={q}>
        {(d) => d.plans.edges.length === 0 ? <p>{t('noPlans')}</p> : (
          <ul class="cards">
            {d.plans.edges.map(({ node: p }) => {
              const pr = p.progress;
              return (
                <li class="card" key={p.id} data-plan={p.name}>
                  <h3>{p.name}</h3>
                  <p class="small muted">{p.organisation.name} · <span class={`status ${p.status}`}>{t(('plan_' + p.status) as Key)}</span> · {t('due', { when: date(p.dueDate) })}</p>
                  <p class="small">{p.courses.map(courseTitle).join(' · ')}</p>
                  <Progress value={pr.assigned ? pr.completed / pr.assigned : 0} label={t('planProgress', { name: p.name })} />
                  <p class="small">{t('planNumbers', { assigned: pr.assigned, enrolled: pr.enrolled, completed: pr.completed, overdue: pr.overdue })}</p>
                  {p.status === 'DRAFT' && (
                    <button type="button" onClick={() => mutate(UpdatePlan, { id: p.id, status: 'LIVE' }).then(q.reload, setError)}
                      aria-label={t('goLiveFor', { name: p.name })}>{t('goLive')}</button>
                  )}
                  {p.status === 'LIVE' && (
                    <button type="button" class="secondary" onClick={() => mutate(UpdatePlan, { id: p.id, status: 'RETIRED' }).then(q.reload, setError)}
                      aria-label={t('retireFor', { name: p.name })}>{t('retirePlan')}</button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Loader>
    </Page>
  );
}

const SeatsQuery = graphql(`
  query ConsoleSeatRequests {
    batches(first: 50, upcoming: true) {
      edges { node { id name course { ...CourseTitle } requests(first: 50, status: PENDING_APPROVAL) {
        edges { node { id approvals approvalsNeeded requestedAt learner { id name designation organisation { id name } } } }
      } } }
    }
  }
`);

const Decide = graphql(`
  mutation ConsoleDecideSeat($requestId: ID!, $approve: Boolean!) {
    decideSeatRequest(input: { requestId: $requestId, approve: $approve }) { seatRequest { id status } }
  }
`);

export function Seats() {
  const q = useQuery(SeatsQuery, {});
  const [error, setError] = useState<unknown>(null);
  return (
    <Page title={t('seats')} intro={t('seatsIntro')}>
      {error !== null && <ErrorBox error={error} />}
      <Loader q={q}>
        {(d) => {
          const rows = d.batches.edges.flatMap(({ node: b }) => b.requests.edges.map(({ node: r }) => ({ b, r })));
          if (rows.length === 0) return <p>{t('noSeatRequests')}</p>;
          return (
            <div class="scroll" tabIndex={0} role="region" aria-label={t('seats')}>
              <table>
                <thead><tr><th scope="col">{t('name')}</th><th scope="col">{t('batch')}</th><th scope="col">{t('approvals')}</th><th scope="col">{t('decision')}</th></tr></thead>
                <tbody>
                  {rows.map(({ b, r }) => (
                    <tr key={r.id}>
                      <td>{r.learner.name}<br /><span class="small muted">{r.learner.designation} · {r.learner.organisation.name}</span></td>
                      <td>{b.name}<br /><span class="small muted">{courseTitle(b.course)}</span></td>
                      <td>{r.approvals}/{r.approvalsNeeded}</td>
                      <td class="row">
                        <button type="button" onClick={() => mutate(Decide, { requestId: r.id, approve: true }).then(q.reload, setError)} aria-label={t('approveFor', { name: r.learner.name, batch: b.name })}>{t('approve')}</button>
                        <button type="button" class="secondary" onClick={() => mutate(Decide, { requestId: r.id, approve: false }).then(q.reload, setError)} aria-label={t('refuseFor', { name: r.learner.name, batch: b.name })}>{t('refuse')}</button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Loader>
    </Page>
  );
}

const CoursesQuery = graphql(`
  query ConsoleCourses($search: String) {
    courses(first: 30, filter: { search: $search }) {
      totalCount
      edges { node { ...CourseTitle description provider format passMark providerVerified enrolmentCount rating competencies { competency { ...CompetencyName } fromLevel toLevel } } }
    }
  }
`);

const UpdateCourse = graphql(`
  mutation ConsoleUpdateCourse($id: ID!, $title: String, $description: String, $durationHours: Float) {
    updateCourse(input: { id: $id, title: $title, description: $description, durationHours: $durationHours }) { course { ...CourseTitle description } }
  }
`);

const Effectiveness = graphql(`
  query ConsoleCourseEffectiveness($courseId: ID!) {
    courseEffectiveness(courseId: $courseId) { competency { ...CompetencyName } claimedFromLevel claimedToLevel estimatedGain low high learners contradicted }
  }
`);

function CourseEffect(props: { courseId: string }) {
  const q = useQuery(Effectiveness, { courseId: props.courseId });
  return (
    <Loader q={q}>
      {(d) => d.courseEffectiveness.length === 0 ? <p class="small">{t('none')}</p> : (
        <ul class="plain small">
          {d.courseEffectiveness.map((e) => (
            <li key={e.competency.id}>
              {competencyName(e.competency)}: {t('claimed', { from: e.claimedFromLevel, to: e.claimedToLevel })} · {e.learners > 0
                ? t('estimatedGain', { gain: num(e.estimatedGain, 2), low: num(e.low, 2), high: num(e.high, 2), n: e.learners })
                : t('notFitted')}{e.contradicted && <strong> · {t('contradicted')}</strong>}
            </li>
          ))}
        </ul>
      )}
    </Loader>
  );
}

export function Courses() {
  const [search, setSearch] = useState('');
  const q = useQuery(CoursesQuery, { search: search || null });
  const [editing, setEditing] = useState<string | null>(null);
  const [form, setForm] = useState({ title: '', description: '', hours: 0 });
  const [effects, setEffects] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  async function save(e: Event, id: string) {
    e.preventDefault();
    setError(null);
    try {
      const r = await mutate(UpdateCourse, { id, title: form.title, description: form.description, durationHours: form.hours });
      setNotice(t('saved', { title: courseTitle(r.updateCourse.course) }));
      setEditing(null);
      q.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Page title={t('courses')} intro={t('coursesIntro')}>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error !== null && <ErrorBox error={error} />}
      <div class="card controls">
        <label for="course-search">{t('searchCourses')}</label>
        <input id="course-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      </div>
      <Loader q={q}>
        {(d) => (
          <ul class="cards">
            {d.courses.edges.map(({ node: co }) => (
              <li class="card" key={co.id}>
                <h2>{courseTitle(co)}</h2>
                <p class="small muted">{co.code} · {co.provider} · {t(('fmt_' + co.format) as Key)} · {t('hours', { n: num(co.durationHours) })} · {t('enrolledCount', { n: co.enrolmentCount })}</p>
                <p>{co.description}</p>
                <ul class="chips">{co.competencies.map((cc) => <li key={cc.competency.id}>{competencyName(cc.competency)}: {cc.fromLevel} → {cc.toLevel}</li>)}</ul>
                {editing === co.id ? (
                  <form onSubmit={(e) => void save(e, co.id)}>
                    <label for={`t-${co.id}`}>{t('title')}</label>
                    <input id={`t-${co.id}`} required value={form.title} onInput={(e) => setForm({ ...form, title: (e.target as HTMLInputElement).value })} />
                    <label for={`d-${co.id}`}>{t('description')}</label>
                    <textarea id={`d-${co.id}`} rows={3} value={form.description} onInput={(e) => setForm({ ...form, description: (e.target as HTMLTextAreaElement).value })} />
                    <label for={`h-${co.id}`}>{t('durationHours')}</label>
                    <input id={`h-${co.id}`} type="number" min={0.5} step={0.5} required value={form.hours} onInput={(e) => setForm({ ...form, hours: Number((e.target as HTMLInputElement).value) })} />
                    <div class="row">
                      <button type="submit">{t('save')}</button>
                      <button type="button" class="secondary" onClick={() => setEditing(null)}>{t('cancel')}</button>
                    </div>
                  </form>
                ) : (
                  <div class="row">
                    <button type="button" class="secondary" aria-label={t('editFor', { title: courseTitle(co) })}
                      onClick={() => { setEditing(co.id); setForm({ title: co.title, description: co.description, hours: co.durationHours }); }}>{t('edit')}</button>
                    <button type="button" class="secondary" aria-expanded={effects === co.id} aria-label={t('effectFor', { title: courseTitle(co) })}
                      onClick={() => setEffects(effects === co.id ? null : co.id)}>{t('effectiveness')}</button>
                  </div>
                )}
                {effects === co.id && <CourseEffect courseId={co.id} />}
              </li>
            ))}
          </ul>
        )}
      </Loader>
    </Page>
  );
}

const CompetencyList = graphql(`
  query ConsoleCompetencyList($search: String) {
    competencies(first: 100, filter: { search: $search }) { edges { node { ...CompetencyName } } }
  }
`);

const ItemsQuery = graphql(`
  query ConsoleItems($competencyId: ID!) {
    assessmentItems(competencyId: $competencyId) { id code level stem options discrimination difficulty retired }
  }
`);

const RetireItem = graphql(`
  mutation ConsoleRetireItem($itemId: ID!) {
    retireAssessmentItem(input: { itemId: $itemId }) { item { id retired } }
  }
`);

const UpdateItem = graphql(`
  mutation ConsoleUpdateItem($input: UpdateAssessmentItemInput!) {
    updateAssessmentItem(input: $input) { item { id stem } }
  }
`);

interface ItemDraft { id: string; level: number; stem: string; options: string[]; correct: number | null; discrimination: number | null; difficulty: number | null }

/**
 * Editing an item: the API never returns which option is correct, so the editor
 * chooses it again each time.
 */
function ItemForm(props: { draft: ItemDraft; competencyId: string; onDone: (saved: boolean) => void; onError: (e: unknown) => void }) {
  const [d, setD] = useState(props.draft);
  async function save(e: Event) {
    e.preventDefault();
    if (d.correct === null) return;
    try {
      await mutate(UpdateItem, { input: { itemId: d.id, competencyId: props.competencyId, level: d.level, stem: d.stem, options: d.options,
        correct: d.correct + 1, discrimination: d.discrimination, difficulty: d.difficulty } });
      props.onDone(true);
    } catch (err) {
      props.onError(err);
    }
  }
  return (
    <form onSubmit={save} class="item-edit">
      <label for={`lv-${d.id}`}>{t('level')}</label>
      <input id={`lv-${d.id}`} type="number" min={1} max={5} required value={d.level} onInput={(e) => setD({ ...d, level: Number((e.target as HTMLInputElement).value) })} />
      <label for={`st-${d.id}`}>{t('stem')}</label>
      <textarea id={`st-${d.id}`} rows={2} required value={d.stem} onInput={(e) => setD({ ...d, stem: (e.target as HTMLTextAreaElement).value })} />
      <fieldset>
        <legend>{t('optionsCorrect')}</legend>
        {d.options.map((o, i) => (
          <div class="option-row" key={i}>
            <input type="radio" name={`correct-${d.id}`} id={`c-${d.id}-${i}`} checked={d.correct === i} onChange={() => setD({ ...d, correct: i })} required
              aria-label={t('correctIs', { n: i + 1 })} />
            <input id={`o-${d.id}-${i}`} required value={o} aria-label={t('optionN', { n: i + 1 })}
              onInput={(e) => setD({ ...d, options: d.options.map((x, j) => (j === i ? (e.target as HTMLInputElement).value : x)) })} />
          </div>
        ))}
      </fieldset>
      <div class="row">
        <button type="submit" disabled={d.correct === null}>{t('save')}</button>
        <button type="button" class="secondary" onClick={() => props.onDone(false)}>{t('cancel')}</button>
      </div>
    </form>
  );
}

export function Items() {
  const [search, setSearch] = useState('');
  const comps = useQuery(CompetencyList, { search: search || null });
  const [competencyId, setCompetencyId] = useState('');
  const q = useQuery(ItemsQuery, { competencyId }, !competencyId);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  return (
    <Page title={t('items')} intro={t('itemsIntro')}>
      {error !== null && <ErrorBox error={error} />}
      {notice && <p class="notice" role="status">{notice}</p>}
      <div class="card controls">
        <label for="item-search">{t('searchCompetencies')}</label>
        <input id="item-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <label for="item-competency">{t('competency')}</label>
        <select id="item-competency" value={competencyId} onChange={(e) => setCompetencyId((e.target as HTMLSelectElement).value)}>
          <option value="">{t('choose')}</option>
          {comps.data?.competencies.edges.map(({ node }) => <option key={node.id} value={node.id}>{competencyName(node)}</option>)}
        </select>
      </div>
      {competencyId && (
        <Loader q={q}>
          {(d) => d.assessmentItems.length === 0 ? <p>{t('noItems')}</p> : (
            <ul class="cards">
              {d.assessmentItems.map((it) => (
                <li class="card" key={it.id}>
                  <p class="small muted">{it.code} · {t('levelIs', { level: it.level })}{it.difficulty != null && ` · ${t('difficulty', { b: num(it.difficulty, 2), a: num(it.discrimination ?? 0, 2) })}`}</p>
                  {editing === it.id ? (
                    <ItemForm competencyId={competencyId} onError={setError}
                      draft={{ id: it.id, level: it.level, stem: it.stem, options: [...it.options], correct: null, discrimination: it.discrimination ?? null, difficulty: it.difficulty ?? null }}
                      onDone={(saved) => { setEditing(null); if (saved) { setNotice(t('itemSaved', { code: it.code })); q.reload(); } }} />
                  ) : (
                    <>
                      <p>{it.stem}</p>
                      <ol class="small">{it.options.map((o, i) => <li key={i}>{o}</li>)}</ol>
                      <div class="row">
                        <button type="button" class="secondary" onClick={() => { setEditing(it.id); setNotice(''); setError(null); }}
                          aria-label={t('editItem', { code: it.code })}>{t('edit')}</button>
                        {!it.retired && <button type="button" class="secondary" onClick={() => mutate(RetireItem, { itemId: it.id }).then(q.reload, setError)}
                          aria-label={t('retireItem', { code: it.code })}>{t('retire')}</button>}
                      </div>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Loader>
      )}
    </Page>
  );
}

const AuditQuery = graphql(`
  query ConsoleAudit {
    auditLog(first: 50) { totalCount edges { node { id at actorId actorRole action objectId } } }
  }
`);

export function Audit() {
  const q = useQuery(AuditQuery, {});
  return (
    <Page title={t('audit')} intro={t('auditIntro')}>
      <Loader q={q}>
        {(d) => d.auditLog.edges.length === 0 ? <p>{t('none')}</p> : (
          <div class="scroll" tabIndex={0} role="region" aria-label={t('audit')}>
            <table>
              <thead><tr><th scope="col">{t('when')}</th><th scope="col">{t('who')}</th><th scope="col">{t('action')}</th><th scope="col">{t('object')}</th></tr></thead>
              <tbody>{d.auditLog.edges.map(({ node: a }) => (
                <tr key={a.id}><td>{dateTime(a.at)}</td><td>{t(('role_' + a.actorRole) as Key)} <span class="small muted">{a.actorId}</span></td><td><code>{a.action}</code></td><td><code>{a.objectId ?? '—'}</code></td></tr>
              ))}</tbody>
            </table>
          </div>
        )}
      </Loader>
    </Page>
  );
}
