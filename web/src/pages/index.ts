// Every page of the console, in the order the header lists them, with the access
// roles that may use it.
import type { FunctionComponent } from 'preact';
import type { AccessRole } from '../session';
import type { Key } from '../strings';
import { Passbook } from './Passbook';
import { Recommendations } from './Recommendations';
import { LearningPath } from './LearningPath';
import { GapReport } from './GapReport';
import { Assessment } from './Assessment';
import { Audit, Courses, Items, Plans, Seats } from './Admin';
import { Batches, Karma, Learning } from './Learning';

export interface PageDef {
  path: string;
  title: Key;
  roles: AccessRole[];
  component: FunctionComponent;
}

const learner: AccessRole[] = ['LEARNER'];
const admins: AccessRole[] = ['ORG_ADMIN', 'PLATFORM_ADMIN'];
const content: AccessRole[] = ['CONTENT_PROVIDER', 'PLATFORM_ADMIN'];

export const pages: PageDef[] = [
  { path: 'passbook', title: 'passbook', roles: learner, component: Passbook },
  { path: 'recommendations', title: 'recommendations', roles: learner, component: Recommendations },
  { path: 'path', title: 'path', roles: learner, component: LearningPath },
  { path: 'learning', title: 'learning', roles: learner, component: Learning },
  { path: 'batches', title: 'batches', roles: learner, component: Batches },
  { path: 'karma', title: 'karma', roles: learner, component: Karma },
  { path: 'assessment', title: 'assessment', roles: learner, component: Assessment },
  { path: 'gaps', title: 'gapReport', roles: admins, component: GapReport },
  { path: 'plans', title: 'plans', roles: admins, component: Plans },
  { path: 'seats', title: 'seats', roles: admins, component: Seats },
  { path: 'courses', title: 'courses', roles: content, component: Courses },
  { path: 'items', title: 'items', roles: content, component: Items },
  { path: 'audit', title: 'audit', roles: ['PLATFORM_ADMIN'], component: Audit },
];
