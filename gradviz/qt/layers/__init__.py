"""Drawing layers: one graphics item per view that paints every run (paths, curves, lines)."""
