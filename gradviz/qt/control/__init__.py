"""The controller: owns the runs, the scene and the workers, and tells the views what to draw."""
