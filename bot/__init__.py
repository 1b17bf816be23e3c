"""paybot: takes in payment receipts from chat, reads and checks them, and tells the people involved."""

__version__ = "0.1.0"
