"""Guests of the project's own, assembled from source with the host's binutils."""
