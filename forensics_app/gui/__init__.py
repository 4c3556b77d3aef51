"""The PySide6 desktop app; it calls `forensics_app.core`, never the reverse."""
