/**
 * What an externally timed figure is. A tool such as TFLite's benchmark_model prints per-session summary
 * statistics only; each session's centre is the tool's median when it prints one (TF >= 2.x builds with
 * percentiles) and its mean otherwise, and the figure is the median of those centres over the sessions. Every
 * table, report line and dashboard flag says which, in these words.
 */
export function externalFigureLabel(sessions: readonly { centerStatistic: 'median' | 'mean' }[]): string {
  const kinds = new Set(sessions.map((s) => s.centerStatistic));
  const per = kinds.size === 1 ? [...kinds][0] : 'mean or median (as the tool printed)';
  return `${per ?? 'mean'} per session, median over sessions`;
}
