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

/**
 * One GCRA decision at `now` (µs). `cost` 1 counts a request; 0 only reads the state (peek).
 * `stored`: the TAT kept so far (undefined: none, a full bucket). GCRA_LUA is this function.
 */
export function gcra(stored: number | undefined, now: number, limit: number, cost: 0 | 1): GcraResult {
  const interval = emissionIntervalUs(limit);
  const window = limit * interval;
  const tat = stored !== undefined && Number.isFinite(stored) && stored > now ? stored : now;
  const remainingAt = (t: number) => Math.max(0, Math.min(limit, Math.floor((now + window - t) / interval)));
  if (cost === 0) return { allowed: true, remaining: remainingAt(tat), retryAfterUs: 0, resetAfterUs: tat - now, tat };
  const next = tat + interval;
  const allowAt = next - window;
  if (allowAt > now) return { allowed: false, remaining: remainingAt(tat), retryAfterUs: allowAt - now, resetAfterUs: tat - now, tat };
  return { allowed: true, remaining: remainingAt(next), retryAfterUs: 0, resetAfterUs: next - now, tat: next };
}

/**
 * The same decision, atomically in Redis (one EVALSHA per request). KEYS[1]: the tenant's key;
 * ARGV: limit (L), T in µs (emissionIntervalUs), cost (0 or 1). The clock is the Redis
 * server's (TIME), so every API process agrees whatever its own clock says; Redis 5+ replicates
 * a script's effects (the SET of the computed TAT) rather than the script, which is what allows
 * TIME before a write (on 3.2-4 replicate_commands asks for it). Answers {allowed 0|1,
 * remaining, retry_after_us, reset_after_us}.
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
if cost == 0 then
  return {1, remaining_at(tat), 0, tat - now}
end
local nxt = tat + interval
local allow_at = nxt - window
if allow_at > now then
  return {0, remaining_at(tat), allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000))
return {1, remaining_at(nxt), 0, nxt - now}
`;
