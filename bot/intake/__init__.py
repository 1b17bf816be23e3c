"""The channel-agnostic core: every inbound receipt becomes an Intake and moves through its states."""
