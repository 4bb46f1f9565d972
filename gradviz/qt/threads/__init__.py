"""Workers that live in QThreads: runs stepped, surfaces computed, problems built off the UI thread."""
