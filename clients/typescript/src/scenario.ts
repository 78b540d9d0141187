// What a scenario gets: a client per caller, and what earlier scenarios found.
import type { Api } from './client.js';

export interface Context {
  /** No token: the public catalogue and sign-in. */
  anonymous: Api;
  /** A PLATFORM_ADMIN's token (KARMAYOGI_ADMIN_TOKEN). */
  admin: Api;
  /** A LEARNER's token (KARMAYOGI_LEARNER_TOKEN). */
  learner: Api;
  /** Values scenarios pass on to later ones, e.g. "learnerId". */
  found: Map<string, string>;
  log(message: string): void;
}

/**
 * A scenario is one file in src/scenarios/ exporting `scenario`. main.ts runs
 * them all in file-name order, so a new one (recommendations, say) is one new file.
 */
export interface Scenario {
  name: string;
  run(ctx: Context): Promise<void>;
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}
