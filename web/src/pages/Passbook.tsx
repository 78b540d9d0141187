// The passbook: each competency's estimated level as a distribution over levels
// 0..5 with its 80% interval, and the evidence behind it.
import { useQuery } from '../api';
import { graphql } from '../gql';
import { date, num, t } from '../i18n';
import { competencyName, courseTitle } from '../names';
import { Bars, Loader, Page } from '../ui';
import type { Key } from '../strings';

const PassbookQuery = graphql(`
  query ConsolePassbook {
    viewer {
      id
      name
      designation
      organisation { id name }
      roles { id name }
      proficiencies {
        competency { ...CompetencyName type }
        level
        confidence
        distribution
        intervalLow
        intervalHigh
        updatedAt
      }
      evidence(first: 100) {
        totalCount
        edges { node { id competency { id } source level score observedAt verification course { ...CourseTitle } } }
      }
    }
  }
`);

export function Passbook() {
  const q = useQuery(PassbookQuery, {});
  return (
    <Page title={t('passbook')} intro={t('passbookIntro')}>
      <Loader q={q}>
        {(d) => {
          const v = d.viewer;
          if (!v) return <p>{t('learnersOnly')}</p>;
          const evidence = v.evidence.edges.map((e) => e.node);
          const profs = [...v.proficiencies].sort((a, b) => competencyName(a.competency).localeCompare(competencyName(b.competency)));
          return (
            <>
              <p class="who"><strong>{v.name}</strong>, {v.designation} · {v.organisation.name}</p>
              {profs.length === 0 && <p>{t('noProficiencies')}</p>}
              <ul class="cards passbook" aria-label={t('competencies')}>
                {profs.map((p) => {
                  const mine = evidence.filter((e) => e.competency.id === p.competency.id);
                  const name = competencyName(p.competency);
                  return (
                    <li class="card" key={p.competency.id}>
                      <h2>{name}</h2>
                      <p class="level">
                        {t('levelIs', { level: p.level })} <span class="muted">({t('confidence', { pct: num(p.confidence * 100, 0) })})</span>
                      </p>
                      <Bars distribution={p.distribution} low={p.intervalLow} high={p.intervalHigh} level={p.level} label={t('distributionOf', { name })} />
                      <p class="muted small">{t('interval', { low: p.intervalLow, high: p.intervalHigh })}{p.updatedAt ? ` · ${t('updated', { when: date(p.updatedAt) })}` : ` · ${t('priorOnly')}`}</p>
                      {mine.length > 0 && (
                        <details>
                          <summary>{t('evidenceCount', { n: mine.length })}</summary>
                          <ul class="evidence">
                            {mine.map((e) => {
                              const dir = e.level > p.level ? 'up' : e.level < p.level ? 'down' : 'same';
                              return (
                                <li key={e.id}>
                                  <span class={`move ${dir}`} aria-hidden="true">{dir === 'up' ? '↑' : dir === 'down' ? '↓' : '='}</span>{' '}
                                  {t(('src_' + e.source) as Key)} · {t('levelIs', { level: e.level })}
                                  {e.score != null && ` · ${t('score', { score: num(e.score * 100, 0) })}`}
                                  {e.course && ` · ${courseTitle(e.course)}`} · {date(e.observedAt)}
                                  <span class="small muted"> — {t(dir === 'up' ? 'movedUp' : dir === 'down' ? 'movedDown' : 'movedSame')}</span>
                                </li>
                              );
                            })}
                          </ul>
                        </details>
                      )}
                    </li>
                  );
                })}
              </ul>
            </>
          );
        }}
      </Loader>
    </Page>
  );
}
