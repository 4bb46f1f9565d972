"""The views: plots that draw what the controller tells them (surface, fit, loss, batch)."""
