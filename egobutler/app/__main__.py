"""`python -m egobutler.app` is the same as the `egobutler` command."""

from egobutler.app.cli import main

main()
