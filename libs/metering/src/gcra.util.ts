// GCRA (the generic cell rate algorithm) for the per-tenant rate limit: a limit of L requests
// per minute is one request every T = 60000/L ms, with a burst of L. The whole state is one
// number, the theoretical arrival time (TAT): when the bucket would be empty again if nothing
// more came. A request is allowed when TAT + T - L*T <= now (at most L requests "ahead" of the
// clock), and then pushes TAT by T. Unlike a fixed window there is no boundary at which a full
// new allowance appears: after a burst of L, one more request passes every T ms.
//
// Times are whole microseconds (exact in a double up to 2^53 µs, the year 2255), so that adding
// T a hundred thousand times drifts by nothing; T is rounded to the microsecond and the burst
// window is L*T, so the burst is exactly L.

/** The window a limit is expressed in: rate_limit_per_minute. */
export const RATE_WINDOW_MS = 60_000;

/** T in whole microseconds (at least 1: a limit over 60,000,000 a minute is no limit). */
export function emissionIntervalUs(limit: number): number {
  return Math.max(1, Math.round((RATE_WINDOW_MS * 1000) / limit));
}

/** A decision on a group of `cost` requests sent together (gcraGroup, GCRA_LUA). */
export interface GcraGroupResult {
  /** How many of the group pass: the first `granted` of them, in order. */
  granted: number;
  /** Requests that could be sent right now, after the granted ones. */
  remaining: number;
  /** µs until the first refused request would pass: 0 when none was refused. */
  retryAfterUs: number;
  /** µs until the bucket is full again (L requests could be sent at once): 0 when it is. */
  resetAfterUs: number;
  /** The TAT to store (unchanged when nothing was granted). */
  tat: number;
}

/**
 * GCRA for `cost` requests arriving together at `now` (µs), exactly as `cost` decisions of one
 * request one after another would be; `cost` 0 only reads the state (peek). `stored`: the TAT
 * kept so far (undefined: none, a full bucket). GCRA_LUA is this function.
 *
 * With tat = max(stored, now), the j-th request of the group (0-based) passes iff
 * tat + (j+1)*T - L*T <= now, i.e. iff j < floor((now + L*T - tat) / T): that count is
 * remaining_at(tat) (at most L, as tat >= now), so the first min(cost, remaining_at(tat)) pass,
 * TAT moves by T for each, and every refused one would pass once TAT + T - L*T is reached.
 */
export function gcraGroup(stored: number | undefined, now: number, limit: number, cost: number): GcraGroupResult {
  const interval = emissionIntervalUs(limit);
  const window = limit * interval;
  const tat = stored !== undefined && Number.isFinite(stored) && stored > now ? stored : now;
  const remainingAt = (t: number) => Math.max(0, Math.min(limit, Math.floor((now + window - t) / interval)));
  const granted = Math.min(cost, remainingAt(tat));
  const next = tat + granted * interval;
  return { granted, remaining: remainingAt(next), retryAfterUs: granted < cost ? next + interval - window - now : 0, resetAfterUs: next - now, tat: next };
}

export interface GcraResult {
  allowed: boolean;
  /** Requests that could be sent right now (after this one, when allowed). */
  remaining: number;
  /** µs until the next request would pass: 0 when allowed. */
  retryAfterUs: number;
  /** µs until the bucket is full again (L requests could be sent at once): 0 when it is. */
  resetAfterUs: number;
  /** The TAT to store (unchanged when refused or peeked). */
  tat: number;
}

/** One request (`cost` 1) or a peek (0): gcraGroup for a group of one. */
export function gcra(stored: number | undefined, now: number, limit: number, cost: 0 | 1): GcraResult {
  const { granted, ...rest } = gcraGroup(stored, now, limit, cost);
  return { allowed: granted === cost, ...rest };
}

/**
 * The same decision, atomically in Redis (one EVALSHA per group of requests). KEYS[1]: the
 * tenant's key; ARGV: limit (L), T in µs (emissionIntervalUs), cost (the group's size; 0 to
 * peek). The clock is the Redis server's (TIME), so every API process agrees whatever its own
 * clock says; Redis 5+ replicates a script's effects (the SET of the computed TAT) rather than
 * the script, which is what allows TIME before a write (on 3.2-4 replicate_commands asks for
 * it). Answers {granted, remaining, retry_after_us, reset_after_us} (gcraGroup's fields).
 */
export const GCRA_LUA = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local limit = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local window = limit * interval
local stored = redis.call('GET', KEYS[1])
local tat = stored and tonumber(stored) or nil
if tat == nil or tat < now then tat = now end
local function remaining_at(t)
  local r = math.floor((now + window - t) / interval)
  if r < 0 then return 0 end
  if r > limit then return limit end
  return r
end
local granted = math.min(cost, remaining_at(tat))
local nxt = tat + granted * interval
local retry_after = 0
if granted < cost then retry_after = nxt + interval - window - now end
if granted > 0 then
  redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000))
end
return {granted, remaining_at(nxt), retry_after, nxt - now}
`;
