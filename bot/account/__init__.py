"""The customer's account: charges, payments, credits and adjustments as entries never overwritten.

Balances (of a customer, a payment order, a charge) are derived from the entries; nothing stores a
total. Allocation is a pure replay (`allocation.settle`): payments pay the order they name first,
then the oldest open charges; what is left waits in the customer's favour and pays the next charge
the moment it exists. A USD order's charges are in USD; a payment in colones is converted at the
rate of the day it was paid (`PAYBOT_RATE_SIDE`); the customer is told colones at today's rate.

Modules: `entries` (the typed values), `allocation` (the replay), `charges` (amounts, IVA, periods),
`conversion`, `statement` (entries -> rows) and `documents` (rows -> table, CSV, HTML, PDF) are pure;
`repository` reads and writes rows; `operations` and `orders` are what callers use.

Public API (import from `bot.account.operations` / `bot.account.orders`; every function takes the
caller's `Session` and never commits: the caller's transaction holds the change and its audit):

- `AccountPolicy.from_settings(settings)`: rate side, the ₡ tolerance treated as exact, time zone.
- `customer_balance(session, customer_id, today=..., policy=...) -> CustomerBalance`: the open
  balance now per currency, with `open_charges` (description, open amount, due date, `overdue(today)`),
  `credit`, `settled`, and `in_colones()` at today's rate (`rate.describe()` says which).
- `contract_balance(session, contract_id) -> Money`; `owing_contract_ids(session, customer_id)`.
- `apply_payment(session, PaymentRequest(customer_id, amount: Money, paid_on, method, actor,
  contract_id=None, bank="", reference=None, intake_id=None), policy=..., now=...) -> AllocationResult`:
  stores the `Payment` (a bank reference is applied only once: `ReferenceAlreadyApplied`) and
  applies it. `post_payment(session, payment, ..., keep_without_rate=False)` does the second half
  for a `Payment` already stored (what accounting's "applied" on a receipt does today, with
  `keep_without_rate=True`: a payment that needs a rate nobody stored stays in its own currency, in
  the customer's favour, `rate_missing`). `preview_payment(session, customer_id, amount, paid_on,
  policy=..., contract_id=None, pending=())` returns the same result without writing anything (for the
  card); `pending` are `PendingPayment`s approved but not applied yet, counted as paid.
  `AllocationResult` has `previous_balance`, `paid` (as received), `applied` (in the account's
  currency) and `rate`, `new_balance`, `charges`
  (each charge it paid, `settled` or `open_after`), `credit_created`, `written_off` (a residue within
  the tolerance, closed by a rounding adjustment), `balance_reached_zero`, `reminders_cancelled`,
  `due_before` / `still_due` / `chased` (what was due now: every charge due by the payment's date, else
  the next to fall due; what the payment left of it; those charges' ids), `complete`, `lines()` in
  Spanish, and `to_json()` / `from_json()` to keep it with an intake. `told_in_colones(session, amount,
  today, policy)` is how a customer is told an amount (colones at today's rate, with the rate);
  `open_on_charges(...)` what is still open on some charges.
- `find_settled_period(session, customer_id, amount, on_date, policy=..., contract_id=None,
  reference=None) -> SettledPeriod | None`: seed 000, a payment for a period already paid with
  another reference (nothing it could pay is open and a charge of that amount was settled).
- `adjust(...)` (staff, reason required, amount may be negative), `grant_credit(...)`,
  `record_refund(...)` (a duplicate payment given back), `add_charge(...)` (a re-charge): each
  returns an `EntryResult` with the balance before and after.
- `cancel_settled_reminders(session, customer_ids, note) -> int`: the hook every operation above and the
  import call: reminders whose charges are paid stop. Reminder rules live in `bot.account.reminders`
  (`Chase` payload, `schedule`, `supersede`, `cancel_for_intake`, `still_chasing`, `BALANCE_REMINDER_KINDS`).
- `open_balances(session) -> list[OpenBalance]`: every customer's balance per currency, one SUM.
- `orders.post_orders(...)` (the contracts import calls it) and `orders.generate_period_charges(
  session, today)`: the scheduler's daily job, idempotent.
- Statements: `load_statement(session, customer_id, company=..., today=..., start=None, end=None)`
  then `documents.render(statement, StatementFormat.PDF)` -> bytes, with `documents.file_name(...)`
  and `StatementFormat.mime_type` for sending it as a document; `statement.build_statement(entries,
  ...)` is the pure half.
"""
