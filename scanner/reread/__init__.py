"""reread."""
