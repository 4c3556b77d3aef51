"""The window's panes and dialogs, each a self-contained widget fed plain data."""
