"""Money on Decimal, exchange rates, tax and the amount a contract owes."""
