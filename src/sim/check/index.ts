export { type AtomicOpSpec, simulateAtomicKv } from './atomic-history.js';
export { describeOperation, explainResult } from './explain.js';
export {
  buildEvents,
  completed,
  type HistoryEvent,
  type Observed,
  type Operation,
  pending,
  validateOperation,
} from './history.js';
export {
  type CheckOptions,
  type CheckResult,
  checkOperations,
  DEFAULT_MAX_STEPS_PER_PARTITION,
} from './linearizable.js';
export {
  type KvInput,
  type KvOutput,
  kvModel,
  type Model,
  type RegisterInput,
  type RegisterOutput,
  type RegisterState,
  registerModel,
  type StepResult,
} from './model.js';
