"""The controls: the control panel, its parameter fields and the run list."""
