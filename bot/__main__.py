"""Allows `python -m bot` as a synonym of the `paybot` command."""

from bot.cli import main

raise SystemExit(main())
