// The pages beyond the first four, by role.
import type { PageDef } from '../App';
import type { AccessRole } from '../session';
import { Assessment } from './Assessment';
import { Audit, Courses, Items, Plans, Seats } from './Admin';
import { Batches, Karma, Learning } from './Learning';

const learner: AccessRole[] = ['LEARNER'];
const admins: AccessRole[] = ['ORG_ADMIN', 'PLATFORM_ADMIN'];
const content: AccessRole[] = ['CONTENT_PROVIDER', 'PLATFORM_ADMIN'];

export const pages: PageDef[] = [
  { path: 'learning', title: 'learning', roles: learner, component: Learning },
  { path: 'batches', title: 'batches', roles: learner, component: Batches },
  { path: 'karma', title: 'karma', roles: learner, component: Karma },
  { path: 'assessment', title: 'assessment', roles: learner, component: Assessment },
  { path: 'plans', title: 'plans', roles: admins, component: Plans },
  { path: 'seats', title: 'seats', roles: admins, component: Seats },
  { path: 'courses', title: 'courses', roles: content, component: Courses },
  { path: 'items', title: 'items', roles: content, component: Items },
  { path: 'audit', title: 'audit', roles: ['PLATFORM_ADMIN'], component: Audit },
];
