// Catalogue names as the console shows them: the Hindi name when the catalogue has
// one (Competency.nameHi, Course.titleHi) and the console speaks Hindi, the English
// name otherwise. The two fragments below are the only places the console asks for
// catalogue names.
import { graphql } from './gql';
import { lang } from './i18n';

export const CompetencyName = graphql(`
  fragment CompetencyName on Competency {
    id
    code
    name
    nameHi
  }
`);

export const CourseTitle = graphql(`
  fragment CourseTitle on Course {
    id
    code
    title
    titleHi
    durationHours
  }
`);

export function competencyName(c: { name: string; nameHi?: string | null }): string {
  return lang() === 'hi' && c.nameHi ? c.nameHi : c.name;
}

export function courseTitle(c: { title: string; titleHi?: string | null }): string {
  return lang() === 'hi' && c.titleHi ? c.titleHi : c.title;
}
