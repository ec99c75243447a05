"""Groups of ``confide`` commands, each registered on the main app by :mod:`confide.cli`."""
