"""Gold annotations for the seed reports, the scorer and the eval suite."""
