/** Figures of the scenarios already run in this `npm run bench` invocation, by scenario name. */
export const results = new Map<string, Record<string, number | string | boolean>>();
