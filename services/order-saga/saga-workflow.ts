/**
 * The orchestrated saga (SAGA=orchestration): one workflow per order, whose activities call the
 * services' commands (./saga-activities.ts). It decides only the order of the steps; every
 * decision about stock, payment or the order is the services' own domain function, reached with
 * the same event the choreography would have delivered.
 *
 * Workflow code is replayed from its history after any restart: deterministic, no I/O, the
 * workflow's clock only. An async generator (see runtime-check.ts for why).
 */
import type { WorkflowContext } from "@dapr/dapr";
import { orderSaga } from "../../platform/topology.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { inventoryEventTypes } from "../shared/events/inventory-events.js";
import { paymentEventTypes } from "../shared/events/payment-events.js";
import type { OrderAnswer, RecordAnswer } from "../shared/saga/messages.js";

export const sagaActivities = {
  reserve: "saga-reserve",
  release: "saga-release",
  authorize: "saga-authorize",
  refund: "saga-refund",
  advanceOrder: "saga-advance-order",
  timeOutOrder: "saga-time-out-order",
} as const;

/** The trace of the request that started the workflow (W3C headers), handed to every activity. */
export type TraceCarrier = Readonly<Record<string, string>>;

/** An activity's input: what its command takes, and the trace its call joins. */
export interface SagaStep<T> {
  readonly input: T;
  readonly trace: TraceCarrier;
}

export interface OrderSagaInput {
  /** The order's own order.placed event: the cause of its reservation, as in the choreography. */
  readonly placed: EventRecord;
  /** The POST /orders trace, so every step's calls are spans of it. */
  readonly trace: TraceCarrier;
  /** Fixed at the start, so every replay waits the same time. */
  readonly paymentTimeoutSeconds: number;
}

/** How an order's saga ends: the value its workflow returns (counted by outcome, ./workflow-metrics.ts). */
export const orderSagaOutcomes = ["confirmed", "rejected", "declined", "timed-out", "cancelled"] as const;
export type OrderSagaOutcome = (typeof orderSagaOutcomes)[number];
/** What the compensation workflow returns. */
export const compensationOutcome = "compensated";

export async function* orderSagaWorkflow(ctx: WorkflowContext, input: OrderSagaInput) {
  const orderId = input.placed.subject;
  const step = <T>(activity: string, stepInput: T) =>
    ctx.callActivity(activity, { input: stepInput, trace: input.trace } satisfies SagaStep<T>);
  const reserved = ((yield step(sagaActivities.reserve, input.placed)) as RecordAnswer).record;
  if (reserved?.type === inventoryEventTypes.rejected) {
    yield step(sagaActivities.advanceOrder, reserved);
    return "rejected" satisfies OrderSagaOutcome;
  }
  // Voided: the user's cancel overtook the order, and the compensation left a tombstone.
  if (reserved?.type !== inventoryEventTypes.reserved) return "cancelled" satisfies OrderSagaOutcome;

  // Whichever comes first: the provider's answer, the user's cancel, or the deadline.
  const payment = step(sagaActivities.authorize, reserved);
  const cancel = ctx.waitForExternalEvent(orderSaga.cancelEvent);
  const deadline = ctx.createTimer(new Date(ctx.getCurrentUtcDateTime().getTime() + input.paymentTimeoutSeconds * 1000));
  const first: unknown = yield ctx.whenAny([payment, cancel, deadline]);

  // The user's cancel is compensated by the compensation workflow the cancel always starts (see
  // ./saga-subscriptions.ts), also when it lands after this saga has finished; this saga just stops.
  if (first === cancel) return "cancelled" satisfies OrderSagaOutcome;

  if (first === payment) {
    const paid = (payment.getResult() as RecordAnswer).record;
    if (!paid) throw new Error(`payments answered no record for order ${orderId}`);
    const order = (yield step(sagaActivities.advanceOrder, paid)) as OrderAnswer;
    if (paid.type === paymentEventTypes.declined) {
      // Compensation: the stock goes back, caused by the decline, as in the choreography.
      yield step(sagaActivities.release, paid);
      return "declined" satisfies OrderSagaOutcome;
    }
    // Authorised, unless a cancel came between (then it is the compensation workflow's).
    return (order.status === "confirmed" ? "confirmed" : "cancelled") satisfies OrderSagaOutcome;
  }

  // The deadline passed: a still-pending order is cancelled, its stock released and whatever the
  // provider does later voided (a refund before any charge leaves a tombstone that refuses it).
  const order = (yield step(sagaActivities.timeOutOrder, orderId)) as OrderAnswer;
  if (order.status === "confirmed" || order.cancelled === null) return "confirmed" satisfies OrderSagaOutcome;
  yield ctx.whenAll([step(sagaActivities.release, order.cancelled), step(sagaActivities.refund, order.cancelled)]);
  return "timed-out" satisfies OrderSagaOutcome;
}

/**
 * Gives back what a cancelled order holds: its stock and its payment, both caused by the
 * order.cancelled event. Idempotent like every reaction, so it may run beside the saga, before
 * it (tombstones then refuse the saga's later steps) or after it.
 */
export async function* orderCompensationWorkflow(ctx: WorkflowContext, compensation: SagaStep<EventRecord>) {
  yield ctx.whenAll([ctx.callActivity(sagaActivities.release, compensation), ctx.callActivity(sagaActivities.refund, compensation)]);
  return compensationOutcome;
}
