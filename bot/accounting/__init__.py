"""Accounting's side: the ERP sync of applied payments ("pagado sin sincronizar"), the payments report, the
company's bank movements and their reconciliation with payments, and what accounting is told about them.

Modules: `signature` (HMAC-SHA256 `t=...,v1=...` signing), `erp` (the connector interface and its
built-ins: webhook, file drop), `sync` (queueing, sending exactly once, retries, sync now, mark synced
by hand, what is not synced), `report` and `spreadsheet` (the payments report; CSV/XLSX/table with
formula escaping), `bank_profiles`, `bank_import` and `matching` (bank movements, reconciliation,
"visto en el banco"), `notices` (the messages to accounting). Callers pass the session; nothing here
commits except `sync.ErpSync`, which owns its claims.
"""
