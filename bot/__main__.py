"""Allows `python -m bot` as a synonym of the `paybot` command."""

from bot.cli.main import main

raise SystemExit(main())
