/**
 * Where a room puts a new participant's transports. The room stays on the
 * worker it is on until that worker carries `threshold` consumers or more
 * (counted over every room on it); then the participant goes to the worker
 * with the fewest consumers, and that worker becomes the room's current one.
 * A worker that is no lighter than the current one is no reason to move: a
 * second router costs a pipe per producer it receives.
 */
export interface WorkerChoice {
  index: number;
  consumers: number;
}

export function placeParticipant(current: WorkerChoice, workers: readonly WorkerChoice[], threshold: number): number {
  if (current.consumers < threshold) return current.index;
  let best = current;
  for (const worker of workers) if (worker.consumers < best.consumers) best = worker;
  return best.index;
}
