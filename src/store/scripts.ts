// The Lua scripts behind every write of a job: each is one atomic step (state, summary
// counters, event stream entry and notification together), in one round trip.
//
// Every script takes the job's keys in the order of `StoreKeys.jobKeyList`:
//   KEYS[1] job hash   KEYS[2] pods hash   KEYS[3] plans hash
//   KEYS[4] hooks hash (`<pod>:<hook>` -> `<phase>|<startedAtMs>`)
//   KEYS[5] results hash (`<pod>:<hook>` -> ended state JSON)   KEYS[6] events stream
// and ARGV[1] = the notification channel, ARGV[2] = the job id (the message). A hook's
// running claim (worker-liveness.ts: which worker runs it) may follow as KEYS[7]: it shares
// the job's hash tag, so the claim moves with the mark and the result in the same step.
// Scripts never decode JSON: hook values are `phase|startedAtMs`, parsed with a pattern,
// so outputs (up to 64 KiB per stream) are copied only when written.

import { lua } from './lua.ts';

const PRELUDE = `
local function publish() redis.call('PUBLISH', ARGV[1], ARGV[2]) end
-- Writes after finishJob (a late worker) must not leave keys without the job's retention.
local function keep_ttl()
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then
    -- The job's own six keys; a claim (KEYS[7]) carries its own expiry.
    for i = 2, 6 do
      if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIRE', KEYS[i], ttl) end
    end
  end
end
local function hook_event(field, value)
  redis.call('XADD', KEYS[6], '*', 't', 'hook', 'h', field, 'v', value)
end
local function phase_of(v) return string.match(v, '^(%a+)|(%d*)$') end
local ENDED = { succeeded = true, failed = true, skipped = true }
local function summary_json()
  local c = redis.call('HMGET', KEYS[1], 'n:pods', 'n:total', 'n:attempted', 'n:succeeded', 'n:failed', 'n:skipped')
  local v = {}
  for i = 1, 6 do v[i] = tonumber(c[i]) or 0 end
  return string.format('{"pods":%d,"hooksTotal":%d,"hooksAttempted":%d,"hooksSucceeded":%d,"hooksFailed":%d,"hooksPending":%d,"hooksSkipped":%d}',
    v[1], v[2], v[3], v[4], v[5], v[2] - v[4] - v[5] - v[6], v[6])
end
-- A pod's status, with its error (or none: a status without one clears the last).
local function set_pod_status(p, status, err)
  redis.call('HSET', KEYS[2], p .. ':st', status)
  if err then redis.call('HSET', KEYS[2], p .. ':err', err) else redis.call('HDEL', KEYS[2], p .. ':err') end
end
local function ended(status)
  return status == 'completed' or status == 'partially_failed' or status == 'failed'
end
`;

const script = (body: string) => lua(PRELUDE + body);

/**
 * Creates the job in one step, so no crash leaves half of it: KEYS[7] the index of jobs,
 * KEYS[8] (when there is one) the Idempotency-Key claimed for it, kept from now on as long
 * as the job. ARGV[3] createdAtMs (the index score), ARGV[4] number of job hash
 * field/value pairs that follow, then those pairs, then the `namespace/name` of each
 * explicit pod (shown pending while the job is queued). On Redis Cluster all these keys
 * share the prefix's hash tag (config.ts refuses a prefix without one).
 * Returns 1 when created, 0 when the id exists.
 */
export const CREATE = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local np = tonumber(ARGV[4])
for i = 5, 4 + 2 * np, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local first = 5 + 2 * np
for i = first, #ARGV do
  redis.call('HSET', KEYS[2], (i - first) .. ':ref', ARGV[i], (i - first) .. ':st', 'pending')
end
redis.call('ZADD', KEYS[7], ARGV[3], ARGV[2])
if KEYS[8] then redis.call('PERSIST', KEYS[8]) end
return 1
`);

/**
 * ARGV[3] atMs, ARGV[4..] `namespace/name` of each pod in order. The first call starts the
 * job (running, startedAt); a second one changes nothing. A pod's status already written
 * (e.g. cancelled while queued) is kept.
 */
export const SET_PODS = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HEXISTS', KEYS[1], 'podsSet') == 1 then return 'exists' end
local n = #ARGV - 3
for i = 1, n do
  redis.call('HSET', KEYS[2], (i - 1) .. ':ref', ARGV[3 + i])
  redis.call('HSETNX', KEYS[2], (i - 1) .. ':st', 'pending')
end
redis.call('HSET', KEYS[1], 'podsSet', '1', 'n:pods', n)
redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[3])
if redis.call('HGET', KEYS[1], 'status') == 'queued' then redis.call('HSET', KEYS[1], 'status', 'running') end
keep_ttl()
publish()
return 'ok'
`);

// A pod's record: { ref, status, plan, stopReason, hook values }, or {} when the pod is
// unknown. The hook values are those of indexes 0..n-1, n being the number of hooks the stored
// plan lists (plans number their hooks so); the plan's seal is checked by the reader, which
// reads the values again on its own if the plan is not what this count assumed.
const READ_POD_FN = `
local function read_pod(p)
  local pod = redis.call('HMGET', KEYS[2], p .. ':ref', p .. ':st')
  if not pod[1] then return {} end
  local plan = redis.call('HGET', KEYS[3], p)
  local stop = redis.call('HGET', KEYS[1], 'stopReason')
  local values = {}
  if plan then
    local ok, decoded = pcall(cjson.decode, plan)
    -- More hooks than any accepted plan holds: left to the reader (whose seal check refuses it).
    if ok and type(decoded) == 'table' and type(decoded.hooks) == 'table' and #decoded.hooks > 0 and #decoded.hooks <= 1000 then
      local fields = {}
      for i = 0, #decoded.hooks - 1 do fields[#fields + 1] = p .. ':' .. i end
      values = redis.call('HMGET', KEYS[4], unpack(fields))
    end
  end
  return { pod[1], pod[2] or false, plan or false, stop or false, values }
end
`;

// The hooks of a plan, recorded pending (or skipped with their result): ARGV[from] the plan
// JSON, ARGV[from + 1] skipped count, then per hook: hook index, hook value, results JSON ('' when none).
// False when the pod has a plan already (kept: nothing is written).
const WRITE_PLAN_FN = `
local function write_plan(p, from)
  if redis.call('HSETNX', KEYS[3], p, ARGV[from]) == 0 then return false end
  local n = (#ARGV - from - 1) / 3
  for j = 0, n - 1 do
    local f = p .. ':' .. ARGV[from + 2 + 3 * j]
    local v = ARGV[from + 3 + 3 * j]
    redis.call('HSET', KEYS[4], f, v)
    local r = ARGV[from + 4 + 3 * j]
    if r ~= '' then redis.call('HSET', KEYS[5], f, r) end
    hook_event(f, v)
  end
  redis.call('HINCRBY', KEYS[1], 'n:total', n)
  redis.call('HINCRBY', KEYS[1], 'n:skipped', ARGV[from + 1])
  keep_ttl()
  publish()
  return true
end
`;

/**
 * ARGV[3] pod index, ARGV[4] plan JSON, ARGV[5] skipped count, ARGV[6..] per hook: hook index, hook value, results JSON ('' when none).
 * Returns 'missing' or 'no_pod', else { 'ok' or 'exists', the job's stop reason or nil }
 * (read in the same step as the plan's write).
 */
export const RECORD_PLAN = script(WRITE_PLAN_FN + `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local p = ARGV[3]
if redis.call('HEXISTS', KEYS[2], p .. ':ref') == 0 then return 'no_pod' end
local wrote = write_plan(p, 4)
return { wrote and 'ok' or 'exists', redis.call('HGET', KEYS[1], 'stopReason') or false }
`);

/** ARGV[3] pod index. The pod's record (READ_POD_FN) in one round trip. Reads only: no key is changed. */
export const READ_POD = lua(READ_POD_FN + `return read_pod(ARGV[3])`);

/**
 * The start of a pod's run when its live state is already known: its record, and its plan
 * recorded in the same step when it has none yet and has not ended (a first run), saving the
 * read before RECORD_PLAN. ARGV[3] pod index, ARGV[4..] as RECORD_PLAN's.
 * Returns { 'planned', READ_POD's reply as it was before the plan's write } or { 'read', READ_POD's reply }.
 */
export const BEGIN_POD = script(READ_POD_FN + WRITE_PLAN_FN + `
local p = ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'read', {} } end
local before = read_pod(p)
if #before == 0 or before[3] then return { 'read', before } end
-- The pod's statuses that end its processing (domain/ended.ts isPodEnded).
local st = before[2]
if st == 'succeeded' or st == 'failed' or st == 'cancelled' then return { 'read', before } end
write_plan(p, 4)
return { 'planned', before }
`);

/** ARGV[3] pod index, ARGV[4] status, ARGV[5] '1' when ARGV[6] is an error to record. */
export const SET_POD_STATUS = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local p = ARGV[3]
if redis.call('HEXISTS', KEYS[2], p .. ':ref') == 0 then return 'no_pod' end
set_pod_status(p, ARGV[4], ARGV[5] == '1' and ARGV[6] or nil)
keep_ttl()
return 'ok'
`);

/** ARGV[3] pod index, ARGV[4..] hook indexes. Only pending hooks become waiting. Returns how many changed. */
export const MARK_WAITING = script(`
local p = ARGV[3]
local changed = 0
for a = 4, #ARGV do
  local f = p .. ':' .. ARGV[a]
  local v = redis.call('HGET', KEYS[4], f)
  if v and phase_of(v) == 'pending' then
    redis.call('HSET', KEYS[4], f, 'waiting|')
    hook_event(f, 'waiting|')
    changed = changed + 1
  end
end
if changed > 0 then keep_ttl() publish() end
return changed
`);

/**
 * ARGV[3] pod index, ARGV[4] hook index, ARGV[5] atMs, ARGV[6] '1' to show the pod running
 * too, ARGV[7] '1' when this call is sent again, and with a claim KEYS[7]: ARGV[8] the
 * worker's id, ARGV[9] the claim's life (ms).
 * Returns 'ok', or the phase that forbids it, or 'stopped' when the job was told to stop
 * (DELETE, failFast), or 'missing'.
 * The one gate every exec passes: no hook starts once its job has a stop reason, whatever
 * a worker last read. The claim is written with the mark, never without it, so no worker
 * sees a running hook without its runner, nor a claim on a hook another worker runs.
 * A call that finds its own mark (the same atMs and its own claim: sent again to be
 * confirmed, or re-sent by the client after a reconnect) answers 'ok' again, counted once,
 * its claim written again. A claim is unique to the run that wrote it, so two runs marking
 * in the same millisecond do not both run; a mark without a claim is taken for its own only
 * by a call sent again to be confirmed (its write unconfirmed: a failover may have lost it).
 */
export const MARK_RUNNING = script(`
local f = ARGV[3] .. ':' .. ARGV[4]
local v = redis.call('HGET', KEYS[4], f)
if not v then return 'missing' end
local nv = 'running|' .. ARGV[5]
local function claim()
  if KEYS[7] then redis.call('SET', KEYS[7], ARGV[8], 'PX', ARGV[9]) end
  if ARGV[6] == '1' then set_pod_status(ARGV[3], 'running') end
end
-- A mark of this call's millisecond may be its own, found again: the call sent again to be
-- confirmed, or re-sent by the client after a reconnect lost its reply (that one arrives as
-- a first call). The claim, written with the mark and unique to the run, says whose it is:
-- another run (of this process or another worker) that took the pod over and marked it in
-- the same millisecond after this call's first write was lost holds a claim of its own.
-- With no claim there, only a call sent again to be confirmed takes the mark for its own.
if v == nv then
  local holder = KEYS[7] and redis.call('GET', KEYS[7])
  if (holder and holder == ARGV[8]) or (not holder and ARGV[7] == '1') then claim() return 'ok' end
  return 'running'
end
local phase = phase_of(v)
if phase ~= 'pending' and phase ~= 'waiting' then return phase end
if redis.call('HEXISTS', KEYS[1], 'stopReason') == 1 then return 'stopped' end
redis.call('HSET', KEYS[4], f, nv)
redis.call('HINCRBY', KEYS[1], 'n:attempted', 1)
claim()
hook_event(f, nv)
keep_ttl()
publish()
return 'ok'
`);

/**
 * ARGV[3] pod index, ARGV[4] hook index: a running mark whose exec never started goes back
 * to pending, and its claim (KEYS[7], if given) goes with it.
 */
export const UNMARK_RUNNING = script(`
if KEYS[7] then redis.call('DEL', KEYS[7]) end
local f = ARGV[3] .. ':' .. ARGV[4]
local v = redis.call('HGET', KEYS[4], f)
if not v then return 'missing' end
if phase_of(v) ~= 'running' then return phase_of(v) end
local nv = 'pending|'
redis.call('HSET', KEYS[4], f, nv)
redis.call('HINCRBY', KEYS[1], 'n:attempted', -1)
hook_event(f, nv)
keep_ttl()
publish()
return 'ok'
`);

/**
 * ARGV[3] pod index, ARGV[4] hook index, ARGV[5] ended phase, ARGV[6] results JSON,
 * ARGV[7] 'if_running', ARGV[8] when its exec started (ms) for the result of an exec, else '',
 * ARGV[9] the pod's final status when this result ends the pod, else '' (the pod's status
 * then never lags its last hook's result, and the pod's end costs no round trip of its own).
 * KEYS[7], when given, is the exec's running claim: its result ends it.
 */
export const RECORD_RESULT = script(`
if KEYS[7] then redis.call('DEL', KEYS[7]) end
local f = ARGV[3] .. ':' .. ARGV[4]
local v = redis.call('HGET', KEYS[4], f)
if not v then return 'missing' end
local phase, started = phase_of(v)
-- "Interrupted" is only ever what is left of a hook still marked running: the worker that
-- ran it may have recorded its real result in the meantime, which stays.
if ARGV[7] == 'if_running' and phase ~= 'running' then return phase end
local function end_pod()
  if ARGV[9] and ARGV[9] ~= '' then set_pod_status(ARGV[3], ARGV[9]) end
end
-- An exec's result on a hook not marked running: its mark was lost (a failover dropped the
-- write), so it was never counted as attempted and has no start. It ran: say so now.
local lost_mark = ARGV[8] ~= '' and (phase == 'pending' or phase == 'waiting' or phase == 'skipped')
if lost_mark and started == '' then started = ARGV[8] end
local nv = ARGV[5] .. '|' .. started
-- A retried worker recording the same result again changes nothing and emits nothing
-- (the pod's status is written again: the same value).
if v == nv and redis.call('HGET', KEYS[5], f) == ARGV[6] then
  end_pod()
  return 'same'
end
if ENDED[phase] then redis.call('HINCRBY', KEYS[1], 'n:' .. phase, -1) end
if lost_mark then redis.call('HINCRBY', KEYS[1], 'n:attempted', 1) end
redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[5], 1)
redis.call('HSET', KEYS[4], f, nv)
redis.call('HSET', KEYS[5], f, ARGV[6])
end_pod()
hook_event(f, nv)
keep_ttl()
publish()
return 'ok'
`);

/** ARGV[3] atMs, ARGV[4] stop reason, ARGV[5] results JSON for the hooks skipped now. */
export const CANCEL = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'not_found' end
local status = redis.call('HGET', KEYS[1], 'status')
if ended(status) or redis.call('HEXISTS', KEYS[1], 'finishedAt') == 1 then return 'ended' end
-- Cancelled, and an exec still running: not ended, and nothing more to do.
if status == 'cancelled' then return 'already_cancelled' end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancelledAt', ARGV[3])
redis.call('HSETNX', KEYS[1], 'stopReason', ARGV[4])
-- Hooks not yet started are skipped now; a running exec finishes (DELETE).
local all = redis.call('HGETALL', KEYS[4])
local skipped = 0
for j = 1, #all, 2 do
  local phase, started = phase_of(all[j + 1])
  if phase == 'pending' or phase == 'waiting' then
    local nv = 'skipped|' .. started
    redis.call('HSET', KEYS[4], all[j], nv)
    redis.call('HSET', KEYS[5], all[j], ARGV[5])
    hook_event(all[j], nv)
    skipped = skipped + 1
  end
end
redis.call('HINCRBY', KEYS[1], 'n:skipped', skipped)
-- Pods a worker has not begun keep their status: the worker plans them from the live pod,
-- lists their hooks as skipped with the stop reason, and ends them cancelled.
keep_ttl()
publish()
return 'cancelled'
`);

/** ARGV[3] reason. The first reason wins. */
export const TRIP = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
redis.call('HSETNX', KEYS[1], 'stopReason', ARGV[3])
return redis.call('HGET', KEYS[1], 'stopReason')
`);

/**
 * Ends the job: ARGV[3] atMs, ARGV[4] status (kept when the job is cancelled or failed),
 * ARGV[5] retention ms, ARGV[6] '1' when ARGV[7] is a job error to record (failJob),
 * ARGV[8] the job's warnings as JSON, to replace them ('' keeps them).
 * Emits `done`, starts every key's retention. Returns { outcome, status }.
 */
export const FINISH = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'missing', '' } end
local status = redis.call('HGET', KEYS[1], 'status')
if redis.call('HEXISTS', KEYS[1], 'finishedAt') == 1 then return { 'ended', status } end
if status ~= 'cancelled' and status ~= 'failed' then status = ARGV[4] end
redis.call('HSET', KEYS[1], 'status', status, 'finishedAt', ARGV[3])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'error', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'warnings', ARGV[8]) end
redis.call('XADD', KEYS[6], '*', 't', 'done', 'status', status, 'summary', summary_json())
publish()
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return { 'finished', status }
`);

/** KEYS[1] a key, ARGV[1] its expected value: deleted only if it still holds that value. */
export const DELETE_IF_EQUAL = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
