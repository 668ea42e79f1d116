"""chunks stage."""
