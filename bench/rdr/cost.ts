/** bench/rdr/prices.json: Cloudflare's published prices, with the date they were read and their sources. */
export interface Prices {
  read: string;
  currency: string;
  plan: string;
  note: string;
  sources: string[];
  baseMonthly: number;
  workers: { requestsIncluded: number; perMillionRequests: number; cpuMsIncluded: number; perMillionCpuMs: number };
  durableObjects: {
    requestsIncluded: number;
    perMillionRequests: number;
    gbSecondsIncluded: number;
    perMillionGbSeconds: number;
    memoryGb: number;
    rowsReadIncluded: number;
    perMillionRowsRead: number;
    rowsWrittenIncluded: number;
    perMillionRowsWritten: number;
    storageGbIncluded: number;
    perGbMonth: number;
  };
  queues: { operationsIncluded: number; perMillionOperations: number; operationsPerMessage: number };
  workersAi: { neuronsIncludedPerDay: number; perThousandNeurons: number };
}

/** The load to price: `eventsPerSecond` user events for `hoursPerDay` hours a day, over `sessions` sessions. */
export interface Burst {
  eventsPerSecond: number;
  sessions: number;
  hoursPerDay: number;
  /** Share of inference steps that run hosted (the rest run on devices, free to us). */
  hostedShare: number;
  /** Workers AI neurons one hosted step uses, and how long it keeps the session awake. */
  neuronsPerHostedStep: number;
  hostedStepSeconds: number;
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  included: number;
  cost: number;
}

const DAYS = 30;
/** An empty SQLite database in a Durable Object is ~12 KB (Cloudflare's FAQ). */
const EMPTY_OBJECT_BYTES = 12_000;
/** Rows an accepted user event writes: its journal row and one projection row (inbox or operation). */
const ROWS_PER_EVENT = 2;

const billed = (quantity: number, included: number, price: number, per: number) => (Math.max(0, quantity - included) / per) * price;

/**
 * A month under `burst`: requests, Durable Object duration (hibernated time is free), storage and
 * hosted inference, each line with what is included. `appendMs` and `bytesPerEvent` are measured
 * (npm run bench); without them the line says so by costing nothing and naming the gap.
 */
export function monthlyCost(
  prices: Prices,
  burst: Burst,
  appendMs: number | null,
  bytesPerEvent: number | null,
): { burst: Burst; lines: CostLine[]; total: number } {
  const events = burst.eventsPerSecond * 3600 * burst.hoursPerDay * DAYS;
  const hostedSteps = events * burst.hostedShare;
  const { workers: w, durableObjects: d, workersAi: ai } = prices;
  const gbSeconds = ((events * (appendMs ?? 0)) / 1000) * d.memoryGb + hostedSteps * burst.hostedStepSeconds * d.memoryGb;
  const storedGb = (burst.sessions * EMPTY_OBJECT_BYTES + events * (bytesPerEvent ?? 0)) / 1e9;
  const neurons = hostedSteps * burst.neuronsPerHostedStep;
  const lines: CostLine[] = [
    { item: "Workers plan (base)", quantity: 1, unit: "month", included: 0, cost: prices.baseMonthly },
    {
      item: "Worker requests",
      quantity: events,
      unit: "requests",
      included: w.requestsIncluded,
      cost: billed(events, w.requestsIncluded, w.perMillionRequests, 1e6),
    },
    {
      item: "Durable Object requests",
      quantity: events,
      unit: "requests",
      included: d.requestsIncluded,
      cost: billed(events, d.requestsIncluded, d.perMillionRequests, 1e6),
    },
    {
      item: `Durable Object duration (awake only: appends${appendMs === null ? " not measured" : ` at ${appendMs.toFixed(2)} ms`}, hosted steps ${burst.hostedStepSeconds} s; hibernated = 0)`,
      quantity: gbSeconds,
      unit: "GB-s",
      included: d.gbSecondsIncluded,
      cost: billed(gbSeconds, d.gbSecondsIncluded, d.perMillionGbSeconds, 1e6),
    },
    {
      item: "SQLite rows written",
      quantity: events * ROWS_PER_EVENT,
      unit: "rows",
      included: d.rowsWrittenIncluded,
      cost: billed(events * ROWS_PER_EVENT, d.rowsWrittenIncluded, d.perMillionRowsWritten, 1e6),
    },
    {
      item: `SQLite storage (${bytesPerEvent === null ? "growth not measured" : `${Math.round(bytesPerEvent)} B per event`}, after one month)`,
      quantity: storedGb,
      unit: "GB-month",
      included: d.storageGbIncluded,
      cost: billed(storedGb, d.storageGbIncluded, d.perGbMonth, 1),
    },
    {
      item: `Hosted inference (Workers AI, ${Math.round(burst.hostedShare * 100)} % of steps)`,
      quantity: neurons,
      unit: "neurons",
      included: ai.neuronsIncludedPerDay * DAYS,
      cost: billed(neurons, ai.neuronsIncludedPerDay * DAYS, ai.perThousandNeurons, 1000),
    },
  ];
  return { burst, lines, total: lines.reduce((sum, line) => sum + line.cost, 0) };
}
