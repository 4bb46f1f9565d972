"""Pictures, movies and numbers out of the app."""
