"""Storage: the tables (models), their column types, the engine and migrations."""
