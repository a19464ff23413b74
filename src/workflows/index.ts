// The workflow bundle's entry point: every workflow the worker runs.
export { journey } from './journey';
export { dailyDigest } from './digest';
export { programmeReport } from './programme-report';
