// Catalogue names as the console shows them: the Hindi name when the catalogue has
// one and the console speaks Hindi, the English name otherwise.
//
// INTEGRATION POINT: the API's optional Competency.nameHi and Course.titleHi are not
// in this branch's schema.graphql. Once they are, add `nameHi` to the CompetencyName
// fragment and `titleHi` to the CourseTitle fragment below (the only two places the
// console asks for catalogue names) and run `make check-web`; these helpers already
// prefer them.
import { graphql } from './gql';
import { lang } from './i18n';

export const CompetencyName = graphql(`
  fragment CompetencyName on Competency {
    id
    code
    name
  }
`);

export const CourseTitle = graphql(`
  fragment CourseTitle on Course {
    id
    code
    title
    durationHours
  }
`);

export function competencyName(c: { name: string; nameHi?: string | null }): string {
  return lang() === 'hi' && c.nameHi ? c.nameHi : c.name;
}

export function courseTitle(c: { title: string; titleHi?: string | null }): string {
  return lang() === 'hi' && c.titleHi ? c.titleHi : c.title;
}
