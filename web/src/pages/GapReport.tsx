// The gap report of an organisation (ORG_ADMIN of it, or PLATFORM_ADMIN): a
// heatmap of mean gaps by sub-organisation and competency that drills down into a
// sub-organisation (its own report) or a competency (its level histogram); content
// gaps; suggested courses; the per-learner CSV.
import { useState } from 'preact/hooks';
import { download, useQuery } from '../api';
import { graphql } from '../gql';
import type { ConsoleGapReportQuery } from '../gql/graphql';
import { num, t } from '../i18n';
import { competencyName, courseTitle } from '../names';
import { caller } from '../session';
import { Bars, ErrorBox, Loader, Page, textOn } from '../ui';

const GapReportQuery = graphql(`
  query ConsoleGapReport($organisationId: ID!) {
    gapReport(organisationId: $organisationId) {
      organisation { id code name parent { id } }
      learnerCount
      generatedAt
      competencies { competency { ...CompetencyName } learners learnersWithGap meanGap totalWeightedGap levelHistogram }
      heatmap { organisation { id code name } competency { id } meanGap learners }
      contentGaps { competency { ...CompetencyName } level learnersNeeding }
      suggestedCourses(first: 8) {
        course { ...CourseTitle provider }
        learnersHelped
        totalGapClosed
        effects { competency { ...CompetencyName } claimedFromLevel claimedToLevel }
      }
    }
  }
`);

const TopOrganisations = graphql(`
  query ConsoleTopOrganisations {
    organisations(first: 100) { edges { node { id code name parent { id } } } }
  }
`);

type Report = NonNullable<ConsoleGapReportQuery['gapReport']>;

/** The fill of a heatmap cell: white for no gap to a deep red at maxGap. */
function fill(gap: number, maxGap: number): [number, number, number] {
  const x = maxGap > 0 ? Math.min(1, gap / maxGap) : 0;
  return [Math.round(255 - x * (255 - 153)), Math.round(247 - x * (247 - 27)), Math.round(237 - x * (237 - 27))];
}

function Heatmap(props: { r: Report; onOrganisation: (id: string, name: string) => void; onCompetency: (id: string) => void; selected: string | null }) {
  const { r } = props;
  const comps = r.competencies.slice(0, 12);
  const orgs: { id: string; name: string }[] = [];
  for (const c of r.heatmap) if (!orgs.some((o) => o.id === c.organisation.id)) orgs.push({ id: c.organisation.id, name: c.organisation.name });
  const cell = new Map(r.heatmap.map((c) => [`${c.organisation.id}|${c.competency.id}`, c]));
  const maxGap = Math.max(0.01, ...r.heatmap.map((c) => c.meanGap));
  if (orgs.length === 0) return <p>{t('noHeatmap')}</p>;
  return (
    <>
    <p class="small muted" aria-hidden="true">{t('heatmapCaption')}</p>
    <div class="scroll" tabIndex={0} role="region" aria-label={t('heatmap')}>
      <table class="heatmap">
        <caption class="sr-only">{t('heatmapCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('organisation')}</th>
            {comps.map((c) => (
              <th scope="col" key={c.competency.id}>
                <button type="button" class={`link${props.selected === c.competency.id ? ' on' : ''}`} aria-pressed={props.selected === c.competency.id}
                  onClick={() => props.onCompetency(c.competency.id)}>{competencyName(c.competency)}</button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {orgs.map((o) => (
            <tr key={o.id}>
              <th scope="row">
                <button type="button" class="link" onClick={() => props.onOrganisation(o.id, o.name)} aria-label={t('drillInto', { name: o.name })}>{o.name}</button>
              </th>
              {comps.map((c) => {
                const h = cell.get(`${o.id}|${c.competency.id}`);
                if (!h) return <td key={c.competency.id} class="empty">—</td>;
                const [rr, gg, bb] = fill(h.meanGap, maxGap);
                return (
                  <td key={c.competency.id} style={{ background: `rgb(${rr},${gg},${bb})`, color: textOn(rr, gg, bb) }}>
                    <button type="button" class="cell" onClick={() => props.onOrganisation(o.id, o.name)}
                      aria-label={t('cellLabel', { org: o.name, comp: competencyName(c.competency), gap: num(h.meanGap, 2), n: h.learners })}>
                      {num(h.meanGap, 2)}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
    </>
  );
}

export function GapReport() {
  const c = caller();
  const [trail, setTrail] = useState<{ id: string; name: string }[]>([]);
  const [chosen, setChosen] = useState<string>(c?.organisationId ?? '');
  const [competency, setCompetency] = useState<string | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const top = useQuery(TopOrganisations, {}, c?.role !== 'PLATFORM_ADMIN');
  const current = trail.length > 0 ? trail[trail.length - 1]!.id : chosen;
  const q = useQuery(GapReportQuery, { organisationId: current }, !current);

  return (
    <Page title={t('gapReport')} intro={t('gapReportIntro')}>
      {c?.role === 'PLATFORM_ADMIN' && (
        <div class="card controls">
          <label for="org">{t('organisation')}</label>
          <select id="org" value={chosen} onChange={(e) => { setChosen((e.target as HTMLSelectElement).value); setTrail([]); setCompetency(null); }}>
            <option value="">{t('choose')}</option>
            {top.data?.organisations.edges.filter((e) => !e.node.parent).map((e) => <option key={e.node.id} value={e.node.id}>{e.node.name}</option>)}
          </select>
        </div>
      )}
      {current && (
        <Loader q={q}>
          {(d) => {
            const r = d.gapReport;
            if (!r) return <p class="error" role="alert">{t('errNotFound')}</p>;
            const selected = r.competencies.find((x) => x.competency.id === competency);
            return (
              <>
                <nav aria-label={t('breadcrumbs')} class="crumbs">
                  <ol>
                    <li>{trail.length > 0 ? <button type="button" class="link" onClick={() => { setTrail([]); setCompetency(null); }}>{t('top')}</button> : <span aria-current="page">{r.organisation.name}</span>}</li>
                    {trail.map((o, i) => (
                      <li key={o.id}>{i === trail.length - 1 ? <span aria-current="page">{o.name}</span> :
                        <button type="button" class="link" onClick={() => setTrail(trail.slice(0, i + 1))}>{o.name}</button>}</li>
                    ))}
                  </ol>
                </nav>
                <p class="summary">{t('reportSummary', { org: r.organisation.name, n: r.learnerCount })}</p>
                <div class="row">
                  <button type="button" class="secondary" onClick={() => {
                    setExportError(null);
                    download(`/reports/gaps.csv?organisation=${encodeURIComponent(r.organisation.code)}`, `gaps-${r.organisation.code}.csv`).catch(setExportError);
                  }}>{t('exportCsv')}</button>
                </div>
                {exportError !== null && <ErrorBox error={exportError} />}
                <h2>{t('heatmap')}</h2>
                <Heatmap r={r} selected={competency}
                  onOrganisation={(id, name) => { if (id !== r.organisation.id) { setTrail([...trail, { id, name }]); setCompetency(null); } }}
                  onCompetency={(id) => setCompetency(competency === id ? null : id)} />
                {selected && (
                  <div class="card histogram" aria-live="polite">
                    <h3>{t('histogramOf', { name: competencyName(selected.competency) })}</h3>
                    <Bars distribution={selected.levelHistogram.map((n) => n / Math.max(1, selected.learners))} low={0} high={5} label={t('histogramOf', { name: competencyName(selected.competency) })} />
                    <p class="small muted">{t('histogramNote', { n: selected.learners, gap: selected.learnersWithGap, mean: num(selected.meanGap, 2) })}</p>
                  </div>
                )}
                <h2>{t('contentGaps')}</h2>
                {r.contentGaps.length === 0 ? <p>{t('noContentGaps')}</p> : (
                  <div class="scroll" tabIndex={0} role="region" aria-label={t('contentGaps')}>
                    <table>
                      <thead><tr><th scope="col">{t('competency')}</th><th scope="col">{t('level')}</th><th scope="col">{t('learnersNeeding')}</th></tr></thead>
                      <tbody>{r.contentGaps.map((g) => <tr key={g.competency.id + g.level}><td>{competencyName(g.competency)}</td><td>{g.level}</td><td>{g.learnersNeeding}</td></tr>)}</tbody>
                    </table>
                  </div>
                )}
                <h2>{t('suggestedCourses')}</h2>
                {r.suggestedCourses.length === 0 ? <p>{t('noSuggestions')}</p> : (
                  <ul class="cards">
                    {r.suggestedCourses.map((s) => (
                      <li class="card" key={s.course.id}>
                        <h3>{courseTitle(s.course)}</h3>
                        <p class="muted small">{s.course.provider} · {t('hours', { n: num(s.course.durationHours) })} · {t('helps', { n: s.learnersHelped, gap: num(s.totalGapClosed, 1) })}</p>
                        <ul class="chips" aria-label={t('targets')}>
                          {s.effects.map((e) => <li key={e.competency.id}>{competencyName(e.competency)}: {e.claimedFromLevel} → {e.claimedToLevel}</li>)}
                        </ul>
                      </li>
                    ))}
                  </ul>
                )}
              </>
            );
          }}
        </Loader>
      )}
    </Page>
  );
}
