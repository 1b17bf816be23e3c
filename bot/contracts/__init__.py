"""Customers and contracts: the registry, the CSV import and the checks of a receipt against a contract."""
