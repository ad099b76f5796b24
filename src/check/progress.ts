/** A progress callback for long runs: `done` of `total` steps, and what is being done. */
export type Progress = (done: number, total: number, label: string) => void;
