"""Every Redis key kiebot uses, in one place.

All keys start with a prefix (default `kb:`) so that one Redis can be shared and a
`SCAN kb:*` finds everything of ours. Formats:

Accounts and money (never expire):
- `kb:user:{user_id}` (hash): `balance` (spendable credits, = the sum of the ledger),
  `held` (credits reserved by unfinished jobs, = the sum of open reservations),
  `created_at`, `granted` (1 once the starting grant was given), `banned` (1 when an
  operator banned the user), `lang`, `model`.
- `kb:ledger:{user_id}` (stream): ledger entries with `type`, `amount`, `balance` (after),
  `ref`, `reason`; the stream id is the entry's time. A reservation is an entry of
  -price; its capture an entry of 0 (the spend becomes final); its release +price.
  Types: `grant`, `adjustment`, `reservation`, `capture`, `release`, `payment`
  (ref: the charge id), `refund` (ref: the charge id), `promo`, `referral`.
- `kb:applied:{user_id}` (hash): idempotency, operation key -> the ledger entry id it
  produced. Keys: `grant:start`, `reserve:{job_id}`, `capture:{job_id}`,
  `release:{job_id}`, `adjust:{op}` (operator adjustments), `promo:{CODE}`,
  `referral:{referred_id}`, `payment:{charge_id}`,
  `refund:{charge_id}:{attempt}`, `refund_revert:{charge_id}:{attempt}`.

- `kb:user:{user_id}:prefs` (hash): the user's choices (`preferences.store`): `lang`,
  `aspect_ratio`, `model:{kind}`, `opt:{model}:{field}` (JSON values).

Jobs:
- `kb:job:{job_id}` (hash): the job record (see `jobs.record`), with one `t_{state}`
  timestamp field per state it passed through: the admin page's timeline.
- `kb:jobs:active` (set): ids of jobs not yet in a final state; recovery reads it.
- `kb:user:{user_id}:jobs` (set): the user's unfinished job ids (per-user cap).
- `kb:user:{user_id}:history` (list): the user's job ids, newest first, capped at
  `HISTORY_CAP`.
- `kb:user:{user_id}:submits` (sorted set): job id -> submit time, the sliding window of
  the per-user generation rate; trimmed on every submit, expires after one window.
- `kb:queue:{job_class}` (list): queued job ids in arrival order (durable queue order).
- `kb:task:{task_id}` (string): job id of a KIE task, for callbacks; expires after
  `TASK_TTL_S`, longer than any task may run.
- `kb:durations:{model}` (list): recent generation durations (s), capped: the poller's
  first-check estimate.

Payments (`payments`; never expire, like all money keys):
- `kb:payment:{charge_id}` (hash): one Telegram Stars payment, keyed by Telegram's
  `telegram_payment_charge_id`: `user_id`, `kind` (pack / subscription), `pack`,
  `stars`, `credits` (bonus included), `bonus`, `time`, `status` (paid /
  refund_pending / refunded), and once a refund started `refund_debit`,
  `refund_reason`, `refund_attempt`, `refunded_at`.
- `kb:user:{user_id}:payments` (list): the user's charge ids, newest first.
- `kb:user:{user_id}:subscription` (hash): the monthly plan: `charge_id` (the first
  payment's, which names the subscription to Telegram), `last_charge_id`, `credits`,
  `stars`, `expires_at` (unix s), `cancelled` (1 once cancelled).
- `kb:revenue:stars:{YYYY-MM-DD}` (string): Stars received on that UTC day;
  `kb:revenue:stars:total` all time; `kb:revenue:refunded:stars` Stars given back.
- `kb:payments:transactions_seen` (string): how many of the bot's Stars transactions
  (getStarTransactions, oldest first) reconciliation has read.
  Ledger ops: `payment:{charge_id}`, `refund:{charge_id}:{attempt}` and, when Telegram
  refused that refund, `refund_revert:{charge_id}:{attempt}`.

Rewards and limits (`rewards`, `billing.spending`, `bot.limits`):
- `kb:promo:{CODE}` (hash, never expires): `code`, `credits`, `uses`, `uses_left`,
  `expires_at`, `created_at`; `kb:promos` (set) every code. A redemption is the ledger
  entry of type `promo` (ref: the code) with op `promo:{CODE}` in the user's applied
  hash, which is also what makes it once per user.
- `kb:referral:codes` (hash): referral code -> user id; the user hash keeps `ref_code`
  (their own code) and `referred_by` (the referrer's id, set once).
  `kb:referral:{user_id}` (hash): `joined`, `paid`, `earned` of the user's invitations.
  The bonus is a ledger entry of type `referral` (ref: the referred user's id) with op
  `referral:{referred_id}` in the referrer's applied hash: paid once ever.
- User hash fields `daily_cap` (the user's own spending cap per UTC day) and
  `low_notice` (the ledger entry id at the last low-balance notice).
- `kb:user:{user_id}:spending` (sorted set, expires after two days): `{job_id}|{price}`
  -> reservation time, the daily cap's index of the user's reservations of the last two
  days; a reservation whose `release:{job_id}` op is applied no longer counts.
- `kb:user:{user_id}:flood:{kind}` (sorted set, expires after one window): update id ->
  time, the sliding window of the per-user message / button-press limit;
  `kb:user:{user_id}:flood:{kind}:told` (string, TTL one window): the user was told to
  wait; `kb:user:{user_id}:banned_told` (string, TTL a day): a banned user was told.

Operations:
- `kb:models:switches` (hash): model id -> "1"/"0", the operator's live override of the
  catalog's `enabled` flag (`catalog.switches`).
- `kb:models:failures:{model}` (sorted set): one member per provider-side failure of a
  job of that model -> its time, trimmed to the window; expires one window after the
  last failure. Enough of them offer users the model's fallback (`catalog.health`).
- `kb:models:spend:{model}:{day}` (hash; day = UTC days since the epoch): `spent` -> the
  credits reserved that day for jobs of the model and not released, and `job:{job_id}` ->
  each such job's price, so its release gives it back once (job_submit.lua counts,
  job_transition.lua gives back). Expires after two days. Against the catalog's
  `daily_budget` (`catalog.health`).

Audience, broadcasts and alerts (`ops`):
- `kb:users` (set): every user id that opened an account by talking to the bot
  (`account_open.lua`); the broadcast audience and the users gauge.
- `kb:users:backfilled` (string): set once maintenance added the accounts opened before
  `kb:users` existed.
- `kb:users:blocked` (set): users who blocked the bot (a 403 to a send, or Telegram's
  `my_chat_member` kicked); broadcasts skip them; removed when they unblock.
- `kb:broadcast:current` (string): the id of the broadcast being sent, if any.
- `kb:broadcast:{id}` (hash): `text`, `admin_chat`, `status_message`, `state`
  (sending / done), `total`, `cursor` (recipients before it are handled), `sent`,
  `blocked`, `skipped`, `failed`, `created_at`, `finished_at`; expires `BROADCAST_TTL_S`
  after it ends.
- `kb:broadcast:{id}:recipients` (list): the audience snapshot taken at the start;
  `kb:broadcast:{id}:sent` (hash): recipient -> outcome (sent / blocked / skipped /
  failed), written once each, so a resumed chunk skips them. Both expire with the
  broadcast.
- `kb:alert:{kind}` (string): set when an alert of that kind was sent; expires after
  the alert interval, which is how each kind is rate-limited.
- `kb:conv:{user_id}:{name}` (any type): conversation state waiting for the user's next
  message (a pending album, a prompt being built), written with a TTL; maintenance
  deletes one found without a TTL once untouched for `KIEBOT_CONVERSATION_TTL`.

Admin console (`web`, `ops.activity`):
- `kb:jobs:recent` (sorted set): job id -> submit time, every job, trimmed to
  `RECENT_JOBS_CAP` at each submit: the admin page's list of all jobs.
- `kb:users:new:{YYYY-MM-DD}` (string): users first seen by the bot that UTC day;
  expires after `DAILY_TTL_S`.
- `kb:usernames` (hash): lower-cased Telegram username -> user id, for the admin search;
  the account hash keeps the current `username`.
- `kb:activity:{minute}` (hash): jobs ended in that unix minute, fields `{outcome}`;
  expires after `ACTIVITY_TTL_S`. `kb:activity:waits:{model}` (list): submit-to-done
  seconds of the model's latest delivered jobs, capped at `WAITS_CAP`.
- `kb:admin:session:{sha256 of the cookie}` (string): the session's CSRF token; expires
  with the session. `kb:admin:failures:{address}` (string): failed admin logins from an
  address in the current window; expires with the window.
- `kb:errors:recent` (list): the latest ERROR log records, newest first, as redacted
  JSON, trimmed to `ops.recent_errors.CAPACITY`: the errors page, across restarts.

Money keys never expire: an evicting Redis (`maxmemory-policy allkeys-lru`) would delete
balances, which is why the README requires `noeviction`.
"""

from __future__ import annotations

from dataclasses import dataclass

# A KIE task's callback may arrive late, but never days after its job gave up on it.
TASK_TTL_S = 3 * 24 * 3600
# The user's "my generations" list; older ids fall off (their job hashes stay).
HISTORY_CAP = 100
# The admin console's index of all jobs; older ids fall off (their job hashes stay).
RECENT_JOBS_CAP = 20_000
DAILY_TTL_S = 40 * 24 * 3600
ACTIVITY_TTL_S = 25 * 3600
WAITS_CAP = 200
# A finished broadcast's record and lists stay this long for the operator to look at.
BROADCAST_TTL_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "kb:"

    def user(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def ledger(self, user_id: int) -> str:
        return f"{self.prefix}ledger:{user_id}"

    def applied(self, user_id: int) -> str:
        return f"{self.prefix}applied:{user_id}"

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    @property
    def active_jobs(self) -> str:
        return f"{self.prefix}jobs:active"

    def preferences(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:prefs"

    def user_jobs(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:jobs"

    def user_history(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:history"

    def user_submits(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:submits"

    def user_spending(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:spending"

    def queue(self, job_class: str) -> str:
        return f"{self.prefix}queue:{job_class}"

    def task(self, task_id: str) -> str:
        return f"{self.prefix}task:{task_id}"

    def durations(self, model: str) -> str:
        return f"{self.prefix}durations:{model}"

    @property
    def model_switches(self) -> str:
        return f"{self.prefix}models:switches"

    def model_failures(self, model: str) -> str:
        return f"{self.prefix}models:failures:{model}"

    def model_spend(self, model: str, day: int) -> str:
        return f"{self.prefix}models:spend:{model}:{day}"

    def payment(self, charge_id: str) -> str:
        return f"{self.prefix}payment:{charge_id}"

    def user_payments(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:payments"

    def subscription(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:subscription"

    def revenue_day(self, day: str) -> str:
        """Stars received on one UTC day, `day` as YYYY-MM-DD."""
        return f"{self.prefix}revenue:stars:{day}"

    @property
    def revenue_total(self) -> str:
        return f"{self.prefix}revenue:stars:total"

    @property
    def revenue_refunded(self) -> str:
        return f"{self.prefix}revenue:refunded:stars"

    @property
    def transactions_seen(self) -> str:
        return f"{self.prefix}payments:transactions_seen"

    # -- admin console -------------------------------------------------------------------

    @property
    def recent_jobs(self) -> str:
        return f"{self.prefix}jobs:recent"

    def new_users(self, day: str) -> str:
        """Users first seen on one UTC day, `day` as YYYY-MM-DD."""
        return f"{self.prefix}users:new:{day}"

    @property
    def usernames(self) -> str:
        return f"{self.prefix}usernames"

    def activity(self, minute: int) -> str:
        """Jobs ended in one unix minute (unix seconds // 60)."""
        return f"{self.prefix}activity:{minute}"

    def activity_waits(self, model: str) -> str:
        return f"{self.prefix}activity:waits:{model}"

    def admin_session(self, digest: str) -> str:
        return f"{self.prefix}admin:session:{digest}"

    def admin_failures(self, address: str) -> str:
        return f"{self.prefix}admin:failures:{address}"

    @property
    def recent_errors(self) -> str:
        return f"{self.prefix}errors:recent"

    # -- audience, broadcasts, alerts, conversation state (ops) ------------------------

    @property
    def users(self) -> str:
        return f"{self.prefix}users"

    @property
    def blocked_users(self) -> str:
        return f"{self.prefix}users:blocked"

    @property
    def current_broadcast(self) -> str:
        return f"{self.prefix}broadcast:current"

    def broadcast(self, broadcast_id: str) -> str:
        return f"{self.prefix}broadcast:{broadcast_id}"

    def broadcast_recipients(self, broadcast_id: str) -> str:
        return f"{self.prefix}broadcast:{broadcast_id}:recipients"

    def broadcast_sent(self, broadcast_id: str) -> str:
        return f"{self.prefix}broadcast:{broadcast_id}:sent"

    @property
    def users_backfilled(self) -> str:
        """Set once maintenance has added pre-existing accounts to `users`."""
        return f"{self.prefix}users:backfilled"

    def alert(self, kind: str) -> str:
        return f"{self.prefix}alert:{kind}"

    def conversation(self, user_id: int, name: str) -> str:
        return f"{self.prefix}conv:{user_id}:{name}"

    @property
    def conversation_pattern(self) -> str:
        """SCAN pattern of every conversation-state key."""
        return f"{self.prefix}conv:*"

    def promo(self, code: str) -> str:
        return f"{self.prefix}promo:{code}"

    @property
    def promos(self) -> str:
        return f"{self.prefix}promos"

    @property
    def referral_codes(self) -> str:
        return f"{self.prefix}referral:codes"

    def referral_stats(self, user_id: int) -> str:
        return f"{self.prefix}referral:{user_id}"

    def flood(self, user_id: int, kind: str) -> str:
        return f"{self.prefix}user:{user_id}:flood:{kind}"

    def flood_told(self, user_id: int, kind: str) -> str:
        return f"{self.prefix}user:{user_id}:flood:{kind}:told"

    def banned_told(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}:banned_told"
